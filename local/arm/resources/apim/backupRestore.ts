import { randomBytes } from 'node:crypto';
import { serviceResourceId } from '../../model';
import { faultAnswer, lockedError, readBody, send, sendError } from '../../respond';
import { armPath, type ArmRoute } from '../../route';
import { validateBackupRestoreBody } from '../../validation';
import type { Operation } from '../../context';
import { settle } from './operations';
import { pollHeaders } from './operationResults';
import { APIM_SERVICE, requestedService, serviceNotFound } from './service';

const NO_BACKUP_TIERS = new Set(['consumption', 'basicv2', 'standardv2', 'premiumv2']);
// Anything not settled is "transitioning": the live service answers 409 ServiceLocked then.
const SETTLED_STATES = new Set(['succeeded', 'failed']);

/**
 * POST a service's `backup` or `restore`: validated like the live service, then a long-running
 * operation (202 with Location and Retry-After) that finishes on the clock.
 */
export const apimBackupRestore: ArmRoute = {
  name: 'apim backup/restore',
  pattern: armPath(`${APIM_SERVICE}/(?<action>backup|restore)`),
  method: 'POST',
  wrongMethod: (_method, params) => `${params['action']} is a POST.`,
  async handle(ctx, request) {
    const { req, res, url, apiVersion } = request;
    const { key, name, service } = requestedService(ctx, request);
    const action = request.params['action'] ?? '';
    const text = await readBody(req);
    if (text === undefined) {
      sendError(res, {
        status: 413,
        code: 'RequestEntityTooLarge',
        message: 'The request body is too large.',
      });
      return;
    }
    const fault = ctx.takeFault('post');
    if (fault && faultAnswer(res, fault, name)) return;
    if (!service) {
      sendError(res, serviceNotFound(request));
      return;
    }
    let raw: unknown;
    try {
      raw = text.length === 0 ? undefined : JSON.parse(text);
    } catch {
      sendError(res, {
        status: 400,
        code: 'InvalidRequestContent',
        message: 'The request content was invalid and could not be deserialized.',
      });
      return;
    }
    const kind = action.toLowerCase() === 'backup' ? 'Backup' : 'Restore';
    const tier = service.sku.name;
    if (NO_BACKUP_TIERS.has(tier.toLowerCase())) {
      sendError(res, {
        status: 400,
        code: 'MethodNotAllowedInPricingTier',
        message: `${kind} is not supported in the '${tier}' pricing tier.`,
      });
      return;
    }
    if (service.workspaces) {
      sendError(res, {
        status: 400,
        code: 'MethodNotAllowedInPricingTier',
        message: `${kind} is not supported for a service with workspaces.`,
      });
      return;
    }
    const validated = validateBackupRestoreBody(raw, service, apiVersion);
    if (!validated.ok) {
      sendError(res, validated.error);
      return;
    }
    if (
      service.runningOperation !== undefined ||
      !SETTLED_STATES.has(service.provisioningState.toLowerCase())
    ) {
      sendError(res, lockedError(service.name));
      return;
    }
    const id = Buffer.from(
      `${service.location.toLowerCase().replace(/\s+/g, '')}_${service.name}_${kind}_${randomBytes(8).toString('hex')}`,
    ).toString('base64');
    const startedAt = ctx.clock.now();
    const { backupMs, restoreMs } = ctx.durations;
    const op: Operation = {
      id,
      kind,
      serviceKey: key,
      apiVersion,
      params: validated.value,
      dueAt: startedAt.getTime() + (kind === 'Backup' ? backupMs : restoreMs),
      status: 'running',
      snapshot:
        kind === 'Backup'
          ? {
              format: 'lifeboat-arm-emulator/apim-backup/1',
              service: { id: serviceResourceId(service), name: service.name, location: service.location },
              sku: { ...service.sku },
              createdAt: new Date(startedAt.getTime() + backupMs).toISOString(),
              configuration: structuredClone(service.configuration),
            }
          : undefined,
      finalResource: undefined,
      error: undefined,
      finishing: undefined,
      cancelTimer: () => undefined,
    };
    ctx.operations.set(id, op);
    service.runningOperation = id;
    service.provisioningState = 'Updating';
    service.targetProvisioningState = 'Succeeded';
    service.etagCounter++;
    op.cancelTimer = ctx.clock.schedule(new Date(op.dueAt), () => {
      void settle(ctx, op);
    });
    // A test hook: the configuration changes while this backup runs (after its snapshot).
    const change = kind === 'Backup' ? ctx.takeFault('backupAccepted') : undefined;
    if (change?.kind === 'changeConfigDuringBackup')
      service.configuration = { ...service.configuration, ...structuredClone(change.change) };
    send(
      res,
      202,
      undefined,
      pollHeaders(ctx, url.pathname.replace(/\/(?:backup|restore)\/?$/i, ''), id, apiVersion),
    );
  },
};
