import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ArmEmulator } from './arm/emulator';
import type { ServiceSpec } from './arm/model';
import type { FrontDoorSpec } from './arm/traffic';
import { startAzureStack, type AzureStack } from './azureStack';
import { startAzurite, type AzuriteHandle } from './azurite';
import { VirtualClock, type Clock } from './clock';
import type { InstanceStatus } from './host/durable/engine';
import type { AppLoader, HostOptions } from './host/host';
import { createTestHost, type TestHost, type TestHostOptions } from './host/testing';
import { startLocalSite, type KeyPair, type LocalSite, type LocalSiteOptions } from './site/agent';
import type { SimulatedSiteDescription } from './site/simulated';
import { generateSigningKeyPair, loadPrivateKey, loadPublicKey } from '../shared/contracts';

/** One on-premises site: a real agent in front of a simulated site. */
export interface WorldSiteOptions {
  site: string;
  description?: SimulatedSiteDescription;
  agentId?: string;
  /** The agent's key: private key (PEM or base64 seed) and the id the app knows it by. */
  agentKey?: { privateKey: string; keyId?: string };
  poll?: LocalSiteOptions['poll'];
  /** Start the agent with the world (default true); otherwise `world.startAgent(site)` later. */
  start?: boolean;
}

/** Options for {@link startWorld}: what to start. */
export interface WorldOptions {
  /** Repository root (host.json, package.json). Default: the current directory. */
  appRoot?: string;
  /** Default: a virtual clock at 2026-01-01T00:00:00Z, which only the world's driver moves. */
  clock?: Clock;
  /**
   * The ARM emulator on this world's Azurite, seeded with `services` (default: on, empty).
   * `false`: Azurite only.
   */
  arm?:
    | false
    | {
        services?: ServiceSpec[];
        /** Default 60 s. */
        retryAfterSeconds?: number;
        /** Default: backup 10 min, restore 30 min (on the world's clock). */
        durations?: { backupMs?: number; restoreMs?: number };
        /**
         * Front Door profiles to add once the emulator runs (issue 23), from the emulator (whose
         * gateways' URLs the origins point at), e.g. `fixtures.contosoFrontDoor`.
         */
        frontDoors?: (arm: ArmEmulator) => Promise<FrontDoorSpec[]>;
      };
  /** On-premises sites, each with a real agent at a simulated site on the world's clock. */
  sites?: (string | WorldSiteOptions)[];
  /** The app's command-signing key (PEM or base64 seed) and key id (default: generated, id `app-1`). */
  appKey?: { privateKey: string; keyId?: string };
  /** Plans written into a fresh plans folder (LIFEBOAT_PLANS_DIR), by file name without `.json`. */
  plans?: Record<string, unknown>;
  /** The local Functions host running the app; `false`: none. */
  host?:
    | false
    | {
        /** A function importing the app (tests), a loader, or the compiled app (package.json `main`, default). */
        app?: (() => Promise<unknown>) | AppLoader;
        /** Default 0 (any free port). */
        port?: number;
        timers?: boolean;
        /** Default: queue triggers on, failed messages visible again at once, polling at most every 100 ms. */
        queues?: HostOptions['queues'];
        log?: (line: string) => void;
        /** Keep the durable task hub in Azurite (default: in memory); see `HostOptions.taskHubInStorage`. */
        taskHubInStorage?: boolean;
      };
  /**
   * Routes the app's blob traffic (AzureWebJobsStorage, BackupStorage) through a gateway in front
   * of Azurite's blob endpoint (a counting proxy in tests); agents' queues stay direct.
   */
  blobGateway?: (blobEndpoint: string) => Promise<{ origin: string; stop(): Promise<void> }>;
  /** App settings over the generated ones (storage, ARM, relay keys, plans folder). */
  settings?: Record<string, string>;
  /**
   * A data folder (`LIFEBOAT_LOCAL_DATA`): Azurite keeps its data there and the host its durable
   * task hub in Azurite, so runs outlive a killed process started again on the same folder.
   * Default: everything in memory.
   */
  data?: string;
  /**
   * A host running outside this process (with `host: false`), driven on this world's virtual
   * time: the crash test's host in a child process (local/host/child.ts).
   */
  externalHost?: ExternalHost;
}

/** A Functions host in another process that the world settles and moves time for. */
export interface ExternalHost {
  /** One look: settles the host and wakes its queue triggers; true when it had or took work. */
  pass(): Promise<boolean>;
  /** The earliest durable timer pending in the host. */
  nextTimerDue(): Promise<Date | undefined>;
  /** Moves the host's clock to `at` (the world's clock moved there). */
  advanceTo(at: Date): Promise<void>;
}

/** A running world. Everything in it is stopped by one `stop()`. */
export interface World {
  readonly clock: Clock;
  readonly azurite: AzuriteHandle;
  /** Azurite + ARM emulator (when `arm` was not false). */
  readonly stack: AzureStack | undefined;
  readonly arm: ArmEmulator | undefined;
  /** The host (throws when the world has none). */
  readonly host: TestHost;
  /** The app settings the host runs with. */
  readonly settings: Readonly<Record<string, string>>;
  /** The app's command-signing key pair and its id. */
  readonly appKey: { privateKey: KeyObject; publicKeyPem: string; keyId: string };
  /** Running agents by site. */
  readonly sites: ReadonlyMap<string, LocalSite>;
  /** The plans folder, when `plans` was given. */
  readonly plansDir: string | undefined;
  /**
   * Restarts the host on the same task hub, as a deployment does: the world settles, the host
   * stops, and a new one starts with the settings merged with `settings` (e.g.
   * `AzureFunctionsJobHost__extensions__durableTask__defaultVersion`, which overrides host.json as
   * on the real host). Running instances carry on in the new host (read back from Azurite when
   * the task hub is kept there). Returns the new host.
   */
  restartHost(options?: { settings?: Record<string, string> }): Promise<TestHost>;
  /** Starts (again) the agent of a site declared in `sites`. */
  startAgent(
    site: string,
    options?: Pick<LocalSiteOptions, 'description' | 'poll' | 'audit' | 'afterExecute' | 'hypervCluster'>,
  ): Promise<LocalSite>;
  /**
   * Lets the world settle without moving time: the host finishes its work, messages waiting on
   * a queue the host listens on are taken, and an agent with commands waiting polls now.
   */
  settle(): Promise<void>;
  /**
   * One move of the world: wakes whoever has work waiting (time stands still), or else, on a
   * virtual clock, moves time to the next durable timer. Returns false when nothing moved (the
   * caller waits a moment for real-time work).
   */
  step(options?: { advance?: boolean }): Promise<boolean>;
  /**
   * Steps the world until `check` returns a value other than undefined/false, and returns it.
   * Fails after `timeoutMs` of real time (default 60 s) with `what`.
   */
  until<T>(
    check: () => T | undefined | false | Promise<T | undefined | false>,
    options?: { timeoutMs?: number; advance?: boolean; what?: string },
  ): Promise<T>;
  /** Steps until the instance ends (Completed, Failed, Terminated, Canceled). */
  waitFor(instanceId: string, options?: { timeoutMs?: number; advance?: boolean }): Promise<InstanceStatus>;
  stop(): Promise<void>;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function keyPairOf(privateKeyText: string): { privateKey: KeyObject; publicKeyPem: string } {
  const privateKey = loadPrivateKey(privateKeyText);
  return {
    privateKey,
    publicKeyPem: createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/**
 * Starts what a test or `npm start` asks for: Azurite, the ARM emulator with its services, agents
 * at simulated sites, and the local Functions host running the app with settings pointing at all
 * of them, on one clock. Production code is unchanged: it finds ARM through LIFEBOAT_ARM_ENDPOINT
 * and its token through the App Service managed identity endpoint the emulator serves.
 *
 * On a virtual clock the agents sleep on virtual time too, and the driver (`step`, `until`,
 * `waitFor`) only moves time when nothing is in flight: no host invocation, no agent mid-command,
 * no message waiting on a queue someone listens on. So no real sleep stands between a command and
 * its result, and a timeout fires only when no answer can come.
 */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const appRoot = options.appRoot ?? process.cwd();
  const clock = options.clock ?? new VirtualClock(new Date('2026-01-01T00:00:00Z'));
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    let stack: AzureStack | undefined;
    let azurite: AzuriteHandle;
    const location = options.data === undefined ? {} : { location: options.data };
    if (options.arm === false) {
      azurite = await startAzurite({ silent: true, ...location });
      const a = azurite;
      cleanups.push(() => a.stop());
    } else {
      stack = await startAzureStack({
        clock,
        retryAfterSeconds: options.arm?.retryAfterSeconds ?? 60,
        durations: {
          backupMs: options.arm?.durations?.backupMs ?? 10 * 60_000,
          restoreMs: options.arm?.durations?.restoreMs ?? 30 * 60_000,
        },
        ...(options.arm?.services ? { services: options.arm.services } : {}),
        ...(options.data === undefined ? {} : { azuriteLocation: options.data }),
      });
      const s = stack;
      cleanups.push(() => s.stop());
      azurite = stack.azurite;
      const frontDoors = options.arm?.frontDoors;
      if (frontDoors !== undefined)
        for (const spec of await frontDoors(stack.arm)) stack.arm.traffic.addFrontDoor(spec);
    }

    let appStorage = azurite.connectionString;
    if (options.blobGateway !== undefined) {
      const gateway = await options.blobGateway(azurite.blobEndpoint);
      cleanups.push(() => gateway.stop());
      appStorage = azurite.connectionString.replace(
        /BlobEndpoint=[^;]+;/,
        `BlobEndpoint=${gateway.origin}/${azurite.accountName};`,
      );
    }

    const appKeyPair = options.appKey ? keyPairOf(options.appKey.privateKey) : generateSigningKeyPair();
    const appKey = {
      privateKey: appKeyPair.privateKey,
      publicKeyPem: appKeyPair.publicKeyPem,
      keyId: options.appKey?.keyId ?? 'app-1',
    };
    const siteOptions = new Map(
      (options.sites ?? []).map((s) => {
        const o = typeof s === 'string' ? { site: s } : s;
        const agentId = o.agentId ?? `agent-${o.site}`;
        const key = o.agentKey ? keyPairOf(o.agentKey.privateKey) : generateSigningKeyPair();
        return [o.site, { ...o, agentId, key, keyId: o.agentKey?.keyId ?? `${agentId}-1` }] as const;
      }),
    );

    let plansDir: string | undefined;
    if (options.plans !== undefined) {
      const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-plans-'));
      plansDir = dir;
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      for (const [name, plan] of Object.entries(options.plans))
        await writeFile(path.join(dir, `${name}.json`), JSON.stringify(plan, null, 2));
    }

    const settings: Record<string, string> = {
      ...stack?.settings,
      // The local host plays App Service Authentication (local/host/signIn.ts), with or without ARM.
      LIFEBOAT_LOCAL_MODE: 'true',
      AzureWebJobsStorage: appStorage,
      BackupStorage: appStorage,
      AgentQueues: azurite.connectionString,
      ...(siteOptions.size > 0
        ? {
            // As given (PEM or seed), so a test can look for exactly that text where it must not be.
            LIFEBOAT_RELAY_SIGNING_KEY:
              options.appKey?.privateKey ??
              appKeyPair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
            LIFEBOAT_RELAY_SIGNING_KEY_ID: appKey.keyId,
            LIFEBOAT_RELAY_AGENT_KEYS: JSON.stringify(
              Object.fromEntries(
                [...siteOptions.values()].map((s) => [
                  s.keyId,
                  { agentId: s.agentId, site: s.site, publicKey: s.key.publicKeyPem },
                ]),
              ),
            ),
            LIFEBOAT_RELAY_SITES: [...siteOptions.keys()].join(','),
          }
        : {}),
      ...(plansDir === undefined ? {} : { LIFEBOAT_PLANS_DIR: plansDir }),
      ...options.settings,
    };

    const sites = new Map<string, LocalSite>();
    const startAgent: World['startAgent'] = async (site, extra = {}) => {
      const o = siteOptions.get(site);
      if (o === undefined) throw new RangeError(`startAgent('${site}'): the world declares no such site`);
      await sites.get(site)?.stop();
      const running = await startLocalSite({
        site,
        connectionString: settings['AgentQueues'] ?? azurite.connectionString,
        clock,
        agentId: o.agentId,
        agentKey: { privateKey: o.key.privateKey, publicKeyPem: o.key.publicKeyPem, keyId: o.keyId },
        trustedKeys: new Map([[appKey.keyId, loadPublicKey(appKey.publicKeyPem)]]),
        ...(o.description === undefined ? {} : { description: o.description }),
        ...(o.poll === undefined ? {} : { poll: o.poll }),
        ...extra,
      });
      // A stopped agent leaves the world: nobody is left to take its commands.
      const tracked: LocalSite = {
        ...running,
        async stop() {
          if (sites.get(site) === tracked) sites.delete(site);
          await running.stop();
        },
      };
      sites.set(site, tracked);
      return tracked;
    };
    cleanups.push(async () => {
      for (const s of sites.values()) await s.stop();
    });
    for (const o of siteOptions.values()) if (o.start !== false) await startAgent(o.site);

    let host: TestHost | undefined;
    let hostOptions: TestHostOptions | undefined;
    if (options.host !== false) {
      const h = options.host ?? {};
      hostOptions = {
        appRoot,
        clock,
        settings,
        ...(h.app === undefined ? {} : { app: h.app }),
        port: h.port ?? 0,
        timers: h.timers ?? false,
        queues: h.queues ?? { enabled: true, visibilityTimeoutMs: 0, maxPollingIntervalMs: 100 },
        ...(h.log ? { log: h.log } : {}),
        ...(h.taskHubInStorage === true || options.data !== undefined ? { taskHubInStorage: true } : {}),
      };
      host = await createTestHost(hostOptions);
      cleanups.push(() => host?.stop() ?? Promise.resolve());
    }
    const restartHost: World['restartHost'] = async (more = {}) => {
      if (host === undefined || hostOptions === undefined)
        throw new TypeError('restartHost(): this world runs no host (options.host was false)');
      await settle();
      // A task hub in storage is read back by the new host; one in memory is handed over.
      const durableTaskHub = host.host.durable.persistent ? undefined : host.host.durable.detach();
      await host.stop();
      hostOptions = {
        ...hostOptions,
        settings: { ...hostOptions.settings, ...(more.settings ?? {}) },
        ...(durableTaskHub === undefined ? {} : { durableTaskHub }),
      };
      host = await createTestHost(hostOptions);
      return host;
    };

    const hostQueues = () => {
      const h = host;
      return h === undefined
        ? []
        : [...h.host.functions.values()]
            .map((f) => f.trigger['queueName'])
            .filter((q): q is string => typeof q === 'string')
            .map((q) => ({ name: q, client: h.host.queues.clientFor(q) }));
    };
    const queued = async (client: { getProperties(): Promise<{ approximateMessagesCount?: number }> }) => {
      try {
        return (await client.getProperties()).approximateMessagesCount ?? 0;
      } catch {
        return 0;
      }
    };
    const visible = async (client: { peekMessages(): Promise<{ peekedMessageItems: unknown[] }> }) => {
      try {
        return (await client.peekMessages()).peekedMessageItems.length > 0;
      } catch {
        return false; // a queue not created yet holds nothing
      }
    };

    /** One look at the world: true when someone was woken to take waiting work. */
    const external = options.externalHost;
    const pass = async (): Promise<boolean> => {
      const externalBusy = (await external?.pass()) ?? false;
      await host?.host.work.idle();
      await Promise.all([...sites.values()].map((s) => s.idle()));
      let waiting = false;
      for (const q of hostQueues())
        if (q.client !== undefined && (await visible(q.client))) {
          waiting = true;
          host?.host.queues.wake(q.name);
        }
      let held = false;
      for (const s of sites.values()) {
        if (s.busy()) continue;
        if (await visible(s.commands)) {
          waiting = true;
          s.nudge();
        } else if ((await queued(s.commands)) > 0) {
          // Taken and not yet answered (an agent that died mid-command): Azurite hands it out
          // again after its visibility timeout, in real time. Time stands still meanwhile, as it
          // would while a real agent works on it.
          held = true;
        }
      }
      if (waiting)
        await realSleep(2); // a moment to take the message
      else if (held) await realSleep(20);
      if (held) return true;
      return waiting || externalBusy || (host !== undefined && host.host.work.busy > 0);
    };

    const settle = async (): Promise<void> => {
      while (await pass());
    };

    const step: World['step'] = async ({ advance = true } = {}) => {
      if (await pass()) return true;
      if (!advance || !(clock instanceof VirtualClock)) return false;
      const next = host?.host.durable.nextTimerDue() ?? (await external?.nextTimerDue());
      if (next === undefined) return false;
      clock.advanceTo(next);
      await external?.advanceTo(clock.now());
      return true;
    };

    const until: World['until'] = async (check, { timeoutMs = 60_000, advance = true, what } = {}) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value !== undefined && value !== false) return value;
        if (Date.now() > deadline)
          throw new Error(`${what ?? 'condition'}: not reached after ${timeoutMs} ms (real time)`);
        // Settle first and look again before moving time: the awaited end may have come while the
        // world settled, and moving the clock past it fires timers the test never waited for
        // (e.g. a failover's approval deadline right after the drill it preempted ended).
        if (await pass()) continue;
        const settled = await check();
        if (settled !== undefined && settled !== false) return settled;
        if (!(await step({ advance }))) await realSleep(5);
      }
    };

    let stopping: Promise<void> | undefined;
    const world: World = {
      clock,
      azurite,
      stack,
      arm: stack?.arm,
      get host() {
        if (host === undefined) throw new TypeError('this world runs no host (options.host was false)');
        return host;
      },
      get settings() {
        return hostOptions?.settings ?? settings;
      },
      appKey,
      sites,
      plansDir,
      startAgent,
      restartHost,
      settle,
      step,
      until,
      async waitFor(instanceId, { timeoutMs = 60_000, advance = true } = {}) {
        const h = world.host;
        try {
          return await until(
            () => {
              const s = h.getStatus(instanceId);
              return s !== undefined && TERMINAL.has(s.runtimeStatus) ? s : undefined;
            },
            { timeoutMs, advance },
          );
        } catch {
          throw new Error(
            `waitFor(${instanceId}): still ${h.getStatus(instanceId)?.runtimeStatus ?? 'unknown'} after ${timeoutMs} ms`,
          );
        }
      },
      stop() {
        stopping ??= stopAll();
        return stopping;
      },
    };
    return world;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export type { KeyPair, LocalSite };
