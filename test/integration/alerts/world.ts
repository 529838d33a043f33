import { existsSync } from 'node:fs';
import path from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { VirtualClock, type Clock } from '../../../local/clock';
import { contosoProtected, contosoServices, PRIMARY, STANDBY, SUBSCRIPTION } from '../../../local/fixtures';
import type { TestHost } from '../../../local/host/testing';
import { startWorld, type World } from '../../../local/world';
import { ALERTS_CONTAINER, type AlertDecision } from '../../../shared/alerts/decision';
import { raiseInMonitor } from '../../fixtures/alerts/monitor';
import type { PlanInput } from '../../../shared/plans/plan';
import { loadAreas } from '../../helpers/app';
import type { AzureStack } from '../../helpers/azure';

/**
 * The alert area with the plans it starts, on the local stack: Azurite, the ARM emulator with a
 * primary and its standby, the local host running the alert, plan, restore and backup functions
 * with queue triggers on, and a plans folder of the test's own. No on-premises site: the plans
 * here restore APIM only.
 */

export { PRIMARY, STANDBY };
export const SUB = SUBSCRIPTION;

/** A plan restoring the primary into its standby, started by `rules`. */
export function apimPlan(name: string, rules: string[], extra: Partial<PlanInput> = {}): PlanInput {
  return {
    name,
    description: `Fail ${name} over to the standby`,
    rtoMinutes: 120,
    rpoMinutes: 24 * 60,
    approval: 'required',
    triggers: [{ alertRules: rules }],
    groups: [
      {
        name: 'api gateway',
        steps: [
          { kind: 'apim.restore', id: 'apim', timeoutMinutes: 180, params: { service: 'contoso-apim' } },
        ],
      },
    ],
    ...extra,
  };
}

export const alertsApp = async (): Promise<void> => {
  const areas = await Promise.all([
    import('../../../functions/names/backup').then((m) => m.backup),
    import('../../../functions/names/restore').then((m) => m.restore),
    import('../../../functions/names/apim').then((m) => m.apim),
    import('../../../functions/names/relay').then((m) => m.relay),
    import('../../../functions/names/onprem').then((m) => m.onprem),
    import('../../../functions/names/durable').then((m) => m.durable),
    import('../../../functions/names/plans').then((m) => m.plans),
    import('../../../functions/names/alerts').then((m) => m.alerts),
  ]);
  // Only named functions that have a file (the plan area is still growing on main).
  const present = (table: Record<string, string | { name: string }>) =>
    Object.fromEntries(
      Object.entries(table).filter(([, e]) => {
        const name = typeof e === 'string' ? e : e.name;
        return ['activities', 'orchestrations', 'http', 'queues', 'timers'].some((f) =>
          existsSync(path.join(process.cwd(), 'functions', f, `${name}.ts`)),
        );
      }),
    );
  await loadAreas(...areas.map(present));
};

/** A JSON answer: its shape is what the tests assert with `expect`, not a type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Answer = any;

export interface AlertsWorld {
  world: World;
  clock: Clock;
  stack: AzureStack;
  host: TestHost;
  container: ContainerClient;
  queues: QueueServiceClient;
  /**
   * POSTs to the app. To `/api/alerts`, Azure Monitor raises (or resolves) the alerts of the body
   * in the ARM emulator first, as it does before an action group delivers them (an alert already
   * Resolved there stays Resolved); `forge: true` delivers without it (a forged alert).
   */
  post(
    route: string,
    body: unknown,
    init?: { raw?: boolean; forge?: boolean },
  ): Promise<{ status: number; json: Answer }>;
  /** Azure Monitor raises or resolves the alerts of a payload in the ARM emulator (what `post` does first). */
  monitor(body: unknown): void;
  get(route: string): Promise<{ status: number; json: Answer }>;
  /** Waits until the host is idle and the alert queue is empty (every message decided). */
  settle(timeoutMs?: number): Promise<void>;
  /** Every decision recorded so far (GET /api/alerts with a wide window), newest first. */
  decisions(): Promise<AlertDecision[]>;
  stop(): Promise<void>;
}

export interface AlertsWorldOptions {
  /** Default: a virtual clock starting at the real time (decisions are stamped with the wall clock). */
  clock?: Clock;
  /** Queue polling as host.json says (the bench); default: fast polling for tests. */
  hostPolling?: boolean;
  /** Emulator operation durations. */
  durations?: { backupMs: number; restoreMs: number };
}

export async function startAlertsWorld(
  plans: PlanInput[],
  settings: Record<string, string> = {},
  options: AlertsWorldOptions = {},
): Promise<AlertsWorld> {
  const clock = options.clock ?? new VirtualClock(new Date());
  const world = await startWorld({
    clock,
    arm: {
      services: contosoServices({
        configuration: { apis: [{ name: 'orders', path: 'orders' }], products: [], namedValues: [] },
        drill: false,
      }),
      durations: options.durations ?? { backupMs: 10 * 60_000, restoreMs: 30 * 60_000 },
    },
    plans: Object.fromEntries(plans.map((p) => [p.name, p])),
    host: {
      app: alertsApp,
      queues:
        options.hostPolling === true
          ? { enabled: true }
          : { enabled: true, visibilityTimeoutMs: 0, maxPollingIntervalMs: 100 },
    },
    settings: {
      LIFEBOAT_PROTECTED_SERVICES: contosoProtected({ drill: false }),
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
      ...settings,
    },
  });
  const h = world.host;
  const container = BlobServiceClient.fromConnectionString(world.azurite.connectionString).getContainerClient(
    ALERTS_CONTAINER,
  );
  const queues = QueueServiceClient.fromConnectionString(world.azurite.connectionString);
  const parse = async (res: Response) => {
    const text = await res.text();
    try {
      return { status: res.status, json: JSON.parse(text) };
    } catch {
      return { status: res.status, json: text as Answer };
    }
  };
  const stack = world.stack!;
  const alerts: AlertsWorld = {
    world,
    clock,
    stack,
    host: h,
    container,
    queues,
    monitor(body) {
      raiseInMonitor(stack.arm, body);
    },
    async post(route, body, init = {}) {
      if (route === '/api/alerts' && init.forge !== true) alerts.monitor(body);
      return parse(
        await h.fetch(route, {
          method: 'POST',
          body: init.raw === true ? (body as string) : JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        }),
      );
    },
    async get(route) {
      return parse(await h.fetch(route));
    },
    async settle(timeoutMs = 60_000) {
      const q = queues.getQueueClient('lifeboat-alerts');
      // Counted with the messages in flight (taken but not yet deleted): empty means all decided.
      await world.until(
        async () => {
          await world.settle();
          const props = (await q.exists()) ? await q.getProperties() : { approximateMessagesCount: 0 };
          return (props.approximateMessagesCount ?? 0) === 0;
        },
        { timeoutMs, advance: false, what: 'settle: the alert queue still holds messages' },
      );
    },
    async decisions() {
      const since = new Date(Date.now() - 3600_000).toISOString();
      const r = await alerts.get(`/api/alerts?since=${encodeURIComponent(since)}&limit=1000`);
      if (r.status !== 200) throw new Error(`GET /api/alerts: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json.decisions as AlertDecision[];
    },
    stop: () => world.stop(),
  };
  return alerts;
}
