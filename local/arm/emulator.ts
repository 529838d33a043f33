import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { RealClock } from '../clock';
import { createSelfSignedTls } from '../tls';
import type { EmulatorContext } from './context';
import { createFaults } from './faults';
import { createGatewaysApi } from './gateways';
import { createIdentityServer } from './identity';
import { close, listen, sendError } from './respond';
import { createAlertsApi } from './resources/alertsManagement/alerts';
import { routeArmRequest } from './router';
import { createServicesApi } from './services';
import { createTrafficApi, createTrafficState, stopEdges } from './traffic';
import type { ArmEmulator, ArmEmulatorOptions } from './types';

/*
 * The parts: ./router.ts (checks common to every ARM request, and the table of routes),
 * ./resources/<provider>/ (one handler module per resource operation), ./context.ts (the state
 * they share), ./services.ts, ./gateways.ts, ./faults.ts (the scripting APIs tests use),
 * ./identity.ts (the managed identity endpoint), ./respond.ts (HTTP plumbing).
 */

export { GATEWAY_HEALTH_PATH } from './gateways';
export type { AlertSpec, ArmAlerts, EmulatedAlert } from './resources/alertsManagement/alerts';
export type {
  ArmEmulator,
  ArmEmulatorOptions,
  ArmFault,
  ArmFaults,
  ArmGateways,
  ArmServices,
  FaultTarget,
} from './types';
export type { ArmTraffic, FrontDoorSpec, TrafficManagerSpec } from './traffic';

/**
 * Starts a local HTTPS server answering the slice of Azure Resource Manager that Lifeboat uses for
 * API Management (GET service, POST backup/restore, operation results), with the live service's
 * long-running-operation contract and errors (docs/reference/apim-backup-restore.md), and an
 * App Service managed identity endpoint issuing its token. See local/arm/README.md.
 */
export async function startArmEmulator(options: ArmEmulatorOptions): Promise<ArmEmulator> {
  const listPageSize = options.listPageSize ?? 100;
  if (!Number.isInteger(listPageSize) || listPageSize < 1)
    throw new RangeError('listPageSize must be a whole number of at least 1');
  const tls = await createSelfSignedTls({ commonName: 'lifeboat-arm-emulator' });
  const faults = createFaults();
  const ctx: EmulatorContext = {
    clock: options.clock ?? new RealClock(),
    tls,
    token: options.token ?? randomBytes(24).toString('base64url'),
    endpoint: '',
    retryAfterSeconds: options.retryAfterSeconds ?? 60,
    durations: {
      backupMs: options.durations?.backupMs ?? 10 * 60_000,
      restoreMs: options.durations?.restoreMs ?? 30 * 60_000,
    },
    finalAnswer: { endTime: false },
    expiryMs: (options.backupExpiryDays ?? 30) * 86_400_000,
    listPageSize,
    resolveStorage: options.resolveStorageAccount ?? (() => options.storageConnectionString),
    services: new Map(),
    operations: new Map(),
    gateways: new Map(),
    alerts: new Map(),
    takeFault: faults.take,
    traffic: createTrafficState(),
  };
  const identityHeader = randomBytes(16).toString('hex');
  const log: { method: string; path: string; status: number }[] = [];
  const servicesApi = createServicesApi(ctx);
  for (const spec of options.services ?? []) servicesApi.add(spec);

  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    routeArmRequest(ctx, req, res)
      .catch((error: unknown) => {
        if (!res.headersSent)
          sendError(res, {
            status: 500,
            code: 'InternalServerError',
            message: `Emulator error: ${String(error)}`,
          });
      })
      .finally(() => {
        log.push({
          method: req.method ?? '',
          path: (req.url ?? '').split('?')[0] ?? '',
          status: res.statusCode,
        });
      });
  });
  const identityServer = createIdentityServer(ctx.token, identityHeader);
  await Promise.all([listen(server), listen(identityServer)]);
  ctx.endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const identityEndpoint = `http://127.0.0.1:${(identityServer.address() as AddressInfo).port}/msi/token`;
  const { operations, gateways } = ctx;

  let stopping: Promise<void> | undefined;
  return {
    endpoint: ctx.endpoint,
    caPem: tls.certPem,
    token: ctx.token,
    identity: { endpoint: identityEndpoint, header: identityHeader },
    services: servicesApi,
    faults: faults.api,
    gateways: createGatewaysApi(ctx),
    traffic: createTrafficApi(ctx.traffic, ctx.clock, ctx.tls),
    alerts: createAlertsApi(ctx.alerts, ctx.clock),
    durations: ctx.durations,
    finalAnswer: ctx.finalAnswer,
    requests: () => log.map((r) => ({ ...r })),
    stop() {
      stopping ??= (async () => {
        for (const op of operations.values()) op.cancelTimer();
        await Promise.all([
          close(server),
          close(identityServer),
          stopEdges(ctx.traffic),
          ...[...gateways.values()].map((g) =>
            g.ready.then(
              () => close(g.server),
              () => undefined,
            ),
          ),
        ]);
        // Let storage work already under way end before callers stop Azurite.
        await Promise.allSettled(
          [...operations.values()].flatMap((op) => (op.finishing ? [op.finishing] : [])),
        );
      })();
      return stopping;
    },
  };
}
