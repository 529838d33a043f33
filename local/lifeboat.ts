import path from 'node:path';
import { startAzureStack, type AzureStack } from './azureStack';
import { RealClock, type Clock } from './clock';
import { startHost, type AppLoader, type LocalHost } from './host/host';
import { writeAlertExample } from './alertExample';
import { startLocalSite, type LocalSite } from './site';
import type { SimulatedSiteDescription } from '../agent/executors/simulated';

/** Options for {@link startLocalLifeboat}. */
export interface LocalLifeboatOptions {
  /** Repository root (host.json, package.json). */
  appRoot: string;
  /** HTTP port of the Functions host (0 = any free port). */
  port: number;
  /** How the host loads the app (default: package.json `main`, the compiled `dist/functions`). */
  loader?: AppLoader;
  clock?: Clock;
  /** Extra app settings, applied over the local defaults. */
  settings?: Record<string, string>;
  /** Emulated APIM operation durations (default 20 s backup, 40 s restore) and Retry-After (default 5 s). */
  apim?: { backupMs?: number; restoreMs?: number; retryAfterSeconds?: number };
  log?: (line: string) => void;
  /** The simulated on-premises site behind a real agent (default `dc1`); `false` runs none. */
  site?: string | false;
  /** What the simulated site holds (default: local/site.ts DEMO_SITE). */
  siteDescription?: SimulatedSiteDescription;
}

/** Lifeboat running on the embedded local Azure stack. */
export interface LocalLifeboat {
  host: LocalHost;
  stack: AzureStack;
  site: LocalSite | undefined;
  settings: Readonly<Record<string, string>>;
  /** Lines describing where everything listens. */
  describe(): string[];
  stop(): Promise<void>;
}

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const serviceId = (rg: string, name: string) =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.ApiManagement/service/${name}`;

/**
 * Starts Azurite, the ARM emulator (seeded with a primary APIM service in West Europe, its
 * standby and a drill target of the same tier in North Europe) and the local Functions host running the app with settings that point
 * at them. Production code is unchanged: it finds ARM through LIFEBOAT_ARM_ENDPOINT and its token
 * through the App Service managed identity endpoint the emulator serves.
 */
export async function startLocalLifeboat(options: LocalLifeboatOptions): Promise<LocalLifeboat> {
  const clock = options.clock ?? new RealClock();
  const stack = await startAzureStack({
    clock,
    retryAfterSeconds: options.apim?.retryAfterSeconds ?? 5,
    durations: { backupMs: options.apim?.backupMs ?? 20_000, restoreMs: options.apim?.restoreMs ?? 40_000 },
    services: [
      {
        resourceGroup: 'rg-apim-weu',
        name: 'contoso-apim',
        location: 'West Europe',
        sku: { name: 'Developer', capacity: 1 },
        identity: { systemAssigned: true },
        // A few of each list, so a restore has something to verify (the manifest beside each backup).
        configuration: {
          apis: [
            { name: 'orders', path: 'orders', displayName: 'Orders' },
            {
              name: 'orders;rev=2',
              path: 'orders',
              displayName: 'Orders',
              apiRevision: '2',
              isCurrent: false,
            },
            { name: 'billing', path: 'billing', displayName: 'Billing' },
            { name: 'catalog', path: 'catalog', displayName: 'Catalog' },
          ],
          products: [
            { name: 'starter', displayName: 'Starter' },
            { name: 'unlimited', displayName: 'Unlimited' },
          ],
          namedValues: [
            { name: 'backend-url', value: 'https://orders.contoso.example' },
            { name: 'billing-url', value: 'https://billing.contoso.example' },
            { name: 'backend-key', value: 'local-demo-secret', secret: true },
          ],
        },
      },
      {
        resourceGroup: 'rg-apim-neu',
        name: 'contoso-apim-standby',
        location: 'North Europe',
        sku: { name: 'Developer', capacity: 1 },
        identity: { systemAssigned: true },
      },
      {
        resourceGroup: 'rg-apim-neu',
        name: 'contoso-apim-drill',
        location: 'North Europe',
        sku: { name: 'Developer', capacity: 1 },
        identity: { systemAssigned: true },
      },
    ],
  });
  let site: LocalSite | undefined;
  try {
    if (options.site !== false) {
      site = await startLocalSite({
        site: options.site ?? 'dc1',
        connectionString: stack.azurite.connectionString,
        clock,
        ...(options.siteDescription ? { description: options.siteDescription } : {}),
      });
    }
    const settings: Record<string, string> = {
      ...stack.settings,
      ...site?.appSettings,
      BackupStorage: stack.azurite.connectionString,
      AgentQueues: stack.azurite.connectionString,
      LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
        {
          resourceId: serviceId('rg-apim-weu', 'contoso-apim'),
          standbyResourceId: serviceId('rg-apim-neu', 'contoso-apim-standby'),
          drillTargetResourceIds: [serviceId('rg-apim-neu', 'contoso-apim-drill')],
        },
      ]),
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
      LIFEBOAT_HEARTBEAT_SCHEDULE: '0 */5 * * * *',
      // The sample plan against this stack (local/plans/contoso-dr.json); the deployed default
      // folder, plans/, holds none.
      LIFEBOAT_PLANS_DIR: path.resolve(options.appRoot, 'local', 'plans'),
      ...options.settings,
    };
    const alertExample = await writeAlertExample(stack.arm, clock, {
      dir: path.dirname(stack.caFile),
      subscriptionId: SUBSCRIPTION,
      rule: 'contoso-apim-down',
      targetResource: serviceId('rg-apim-weu', 'contoso-apim'),
    });
    const host = await startHost({
      appRoot: options.appRoot,
      port: options.port,
      settings,
      clock,
      ...(options.loader ? { loader: options.loader } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    let stopping: Promise<void> | undefined;
    return {
      host,
      stack,
      site,
      settings,
      describe: () => [
        `Functions host   ${host.origin}/api   (health: ${host.origin}/api/health, backups: ${host.origin}/api/backups, restores: ${host.origin}/api/restores)`,
        `APIM services    contoso-apim (primary), contoso-apim-standby (standby), contoso-apim-drill (drill target)`,
        `Durable API      ${host.origin}/runtime/webhooks/durabletask/instances`,
        `Azurite blobs    ${stack.azurite.blobEndpoint}`,
        `Azurite queues   ${stack.azurite.queueEndpoint}`,
        `ARM emulator     ${stack.arm.endpoint}   (CA: ${stack.caFile})`,
        `Alert example    curl -X POST ${host.origin}/api/alerts -H 'content-type: application/json' -d @${alertExample.file}   (Azure Monitor raised it in the ARM emulator first; Lifeboat reads it back before it acts)`,
        ...(site
          ? [
              `On-prem agent    site '${site.site}' (simulated), queue agent-${site.site}-commands, ledger ${site.ledgerPath}`,
            ]
          : []),
        `App root         ${path.resolve(options.appRoot)}`,
      ],
      stop() {
        stopping ??= (async () => {
          await site?.stop();
          await host.stop();
          await stack.stop();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await site?.stop();
    await stack.stop();
    throw error;
  }
}
