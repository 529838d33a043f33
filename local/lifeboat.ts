import path from 'node:path';
import { writeAlertExample } from './alertExample';
import { RealClock, type Clock } from './clock';
import {
  DEMO_CONFIGURATION,
  FRONT_DOOR,
  PRIMARY,
  STANDBY,
  SUBSCRIPTION,
  contosoFrontDoor,
  contosoProtected,
  contosoServices,
  serviceId,
} from './fixtures';
import type { AppLoader } from './host/host';
import { DEMO_SITE } from './site/agent';
import type { SimulatedSiteDescription } from './site/simulated';
import { mainUrls } from './urls';
import { startWorld, type World } from './world';

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
  /** What the simulated site holds (default: local/site DEMO_SITE). */
  siteDescription?: SimulatedSiteDescription;
  /**
   * A data folder (`LIFEBOAT_LOCAL_DATA`): Azurite's data and, in it, the host's durable task hub,
   * so `npm start` killed and started again on the same folder carries on every run.
   */
  data?: string;
}

/** Lifeboat running on the embedded local Azure stack (`npm start`): a world on the wall clock. */
export interface LocalLifeboat {
  world: World;
  host: World['host']['host'];
  stack: NonNullable<World['stack']>;
  /** Lines describing where everything listens. */
  describe(): string[];
  stop(): Promise<void>;
}

/**
 * `npm start`'s world: Azurite, the ARM emulator seeded with the Contoso estate (local/fixtures.ts:
 * a primary in West Europe, its standby and a drill target in North Europe), a real agent at the
 * simulated site `dc1`, and the local Functions host running the app, all on the wall clock.
 */
export async function startLocalLifeboat(options: LocalLifeboatOptions): Promise<LocalLifeboat> {
  const site = options.site === false ? undefined : (options.site ?? 'dc1');
  const world = await startWorld({
    appRoot: options.appRoot,
    ...(options.data === undefined ? {} : { data: options.data }),
    clock: options.clock ?? new RealClock(),
    arm: {
      services: contosoServices({ configuration: DEMO_CONFIGURATION }),
      // Front Door in front of the primary's and the standby's gateways (the plan's traffic.switch).
      frontDoors: async (arm) => [
        contosoFrontDoor({
          primary: await arm.gateways.url(PRIMARY),
          standby: await arm.gateways.url(STANDBY),
        }),
      ],
      retryAfterSeconds: options.apim?.retryAfterSeconds ?? 5,
      durations: { backupMs: options.apim?.backupMs ?? 20_000, restoreMs: options.apim?.restoreMs ?? 40_000 },
    },
    sites: site === undefined ? [] : [{ site, description: options.siteDescription ?? DEMO_SITE }],
    host: {
      port: options.port,
      ...(options.loader ? { app: options.loader } : {}),
      // The launcher shows what the host does; tests pass their own sink.
      log: options.log ?? ((line) => console.log(line)),
      timers: true,
      queues: { enabled: true },
    },
    settings: {
      LIFEBOAT_PROTECTED_SERVICES: contosoProtected(),
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
      LIFEBOAT_APIM_REPORTS_SCHEDULE: '0 30 0 * * *',
      LIFEBOAT_STANDBY_SYNC_SCHEDULE: '0 0 2 * * *',
      LIFEBOAT_HEARTBEAT_SCHEDULE: '0 */5 * * * *',
      // The sample plan against this stack (local/plans/contoso-dr.json); the deployed default
      // folder, plans/, holds none.
      LIFEBOAT_PLANS_DIR: path.resolve(options.appRoot, 'local', 'plans'),
      ...options.settings,
    },
  });
  const host = world.host.host;
  const stack = world.stack!;
  const agent = site === undefined ? undefined : world.sites.get(site);
  let alertExample: { file: string };
  let edge: string;
  try {
    edge = await stack.arm.traffic.edgeUrl(FRONT_DOOR);
    alertExample = await writeAlertExample(stack.arm, world.clock, {
      dir: path.dirname(stack.caFile),
      subscriptionId: SUBSCRIPTION,
      rule: 'contoso-apim-down',
      targetResource: serviceId('rg-apim-weu', 'contoso-apim'),
    });
  } catch (error) {
    await world.stop();
    throw error;
  }
  return {
    world,
    host,
    stack,
    describe: () => [
      `Functions host   ${host.origin}/api`,
      ...mainUrls(host.origin),
      `APIM services    contoso-apim (primary), contoso-apim-standby (standby), contoso-apim-drill (drill target)`,
      `Durable API      ${host.origin}/runtime/webhooks/durabletask/instances`,
      `Azurite blobs    ${stack.azurite.blobEndpoint}`,
      `Azurite queues   ${stack.azurite.queueEndpoint}`,
      options.data === undefined
        ? `Data             in memory (set LIFEBOAT_LOCAL_DATA to a folder to keep runs across restarts)`
        : `Data             ${path.resolve(options.data)} (Azurite and the durable task hub; runs carry on after a restart)`,
      `ARM emulator     ${stack.arm.endpoint}   (CA: ${stack.caFile})`,
      `Front Door       ${edge}/status-0123456789abcdef   (contoso-afd's endpoint: the primary's gateway, the standby's after a failover's traffic.switch)`,
      `Alert example    curl -X POST ${host.origin}/api/alerts -H 'content-type: application/json' -d @${alertExample.file}   (Azure Monitor raised it in the ARM emulator first; Lifeboat reads it back before it acts)`,
      ...(agent
        ? [
            `On-prem agent    site '${agent.site}' (simulated), queue agent-${agent.site}-commands, ledger ${agent.ledgerPath}`,
          ]
        : []),
      `App root         ${path.resolve(options.appRoot)}`,
    ],
    stop: () => world.stop(),
  };
}
