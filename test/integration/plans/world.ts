import path from 'node:path';
import { RealClock, VirtualClock, type Clock } from '../../../local/clock';
import { startLocalSite, DEMO_SITE, type LocalSite } from '../../../local/site';
import { createTestHost, type TestHost } from '../../../local/host/testing';
import type { SimulatedSiteDescription } from '../../../agent/executors/simulated';
import { loadAreas } from '../../helpers/app';
import { startAzureStack, type AzureStack } from '../../helpers/azure';
import type { RunReport } from '../../../shared/plans/report';
import type { PlanRunResult } from '../../../shared/plans/flow';

/** A JSON answer as the tests read it. */
export type Answer = Record<string, unknown> & {
  error?: { code: string; message: string; [k: string]: unknown };
};

/**
 * The whole app on the local stack for plan runs: Azurite, the ARM emulator with the launcher's
 * three services (primary, standby, drill target), a real agent at the simulated site `dc1`, and
 * the local host running every area on a virtual clock. The agent polls in real time; the clock
 * only moves when nothing waits for the agent, so timeouts never fire while it works.
 */

export const PLANS_DIR = path.join(process.cwd(), 'local', 'plans');
const SUB = '00000000-0000-0000-0000-000000000000';
export const serviceId = (rg: string, name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.ApiManagement/service/${name}`;
export const PRIMARY = serviceId('rg-apim-weu', 'contoso-apim');
export const STANDBY = serviceId('rg-apim-neu', 'contoso-apim-standby');
export const DRILL = serviceId('rg-apim-neu', 'contoso-apim-drill');

export const plansApp = async (): Promise<void> => {
  const areas = await Promise.all([
    import('../../../functions/names/backup').then((m) => m.backup),
    import('../../../functions/names/restore').then((m) => m.restore),
    import('../../../functions/names/relay').then((m) => m.relay),
    import('../../../functions/names/onprem').then((m) => m.onprem),
    import('../../../functions/names/durable').then((m) => m.durable),
    import('../../../functions/names/plans').then((m) => m.plans),
    import('../../../functions/names/core').then((m) => m.core),
  ]);
  await loadAreas(...areas);
};

export interface PlansWorld {
  clock: VirtualClock;
  stack: AzureStack;
  site: LocalSite;
  host: TestHost;
  post(
    route: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Answer }>;
  get(route: string): Promise<{ status: number; json: Answer; text: string }>;
  /** Runs the clock and the agent until the instance ends. */
  waitFor(
    instanceId: string,
    timeoutMs?: number,
  ): Promise<{ runtimeStatus: string; output: PlanRunResult & Answer }>;
  /** Runs until `predicate` holds for the run's report (GET /api/runs/{id}). */
  waitForReport(
    runId: string,
    predicate: (report: RunReport) => boolean,
    timeoutMs?: number,
  ): Promise<RunReport>;
  /** Restore POSTs the emulator served for one service (answered or refused). */
  restorePosts(serviceName: string): number;
  /** Takes a verified backup of the primary (a restore needs one). */
  backup(): Promise<void>;
  /** Every line the host logged (function logs included), for telemetry assertions. */
  logs: string[];
  /** The `lifeboat.security.*` events logged so far, parsed. */
  securityEvents(): Record<string, unknown>[];
  stop(): Promise<void>;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPlansWorld(
  options: { settings?: Record<string, string>; site?: SimulatedSiteDescription; plansDir?: string } = {},
): Promise<PlansWorld> {
  const clock = new VirtualClock(new Date('2026-03-02T08:00:00Z'));
  const real = new RealClock();
  // The simulated site reads the virtual time; the agent's polling pauses are real.
  const agentClock: Clock = {
    now: () => clock.now(),
    schedule: (at, fn) => clock.schedule(at, fn),
    sleep: (ms, signal) => real.sleep(Math.min(ms, 200), signal),
  };
  const stack = await startAzureStack({
    clock,
    retryAfterSeconds: 60,
    durations: { backupMs: 10 * 60_000, restoreMs: 30 * 60_000 },
  });
  let site: LocalSite | undefined;
  let host: TestHost | undefined;
  const logs: string[] = [];
  try {
    stack.arm.services.add({
      resourceGroup: 'rg-apim-weu',
      name: 'contoso-apim',
      location: 'West Europe',
      sku: { name: 'Developer', capacity: 1 },
      identity: { systemAssigned: true },
      configuration: {
        apis: [
          { name: 'orders', path: 'orders', displayName: 'Orders' },
          { name: 'billing', path: 'billing', displayName: 'Billing' },
        ],
        products: [{ name: 'starter', displayName: 'Starter' }],
        namedValues: [{ name: 'backend-key', value: 'plans-test-secret', secret: true }],
      },
    });
    for (const name of ['contoso-apim-standby', 'contoso-apim-drill'])
      stack.arm.services.add({
        resourceGroup: 'rg-apim-neu',
        name,
        location: 'North Europe',
        sku: { name: 'Developer', capacity: 1 },
        identity: { systemAssigned: true },
      });
    site = await startLocalSite({
      site: 'dc1',
      connectionString: stack.azurite.connectionString,
      clock: agentClock,
      description: options.site ?? DEMO_SITE,
    });
    host = await createTestHost({
      appRoot: process.cwd(),
      clock,
      app: plansApp,
      log: (line) => {
        logs.push(line);
        if (process.env['LIFEBOAT_HOST_LOG'] === '1') console.log(line);
      },
      settings: {
        ...stack.settings,
        ...site.appSettings,
        BackupStorage: stack.azurite.connectionString,
        AgentQueues: stack.azurite.connectionString,
        LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
          { resourceId: PRIMARY, standbyResourceId: STANDBY, drillTargetResourceIds: [DRILL] },
        ]),
        LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
        LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
        LIFEBOAT_PLANS_DIR: options.plansDir ?? PLANS_DIR,
        ...options.settings,
      },
      timers: false,
      queues: { enabled: true, visibilityTimeoutMs: 0, maxPollingIntervalMs: 100 },
    });
    const h = host;
    const s = site;
    const awaitingAgent = () =>
      h.host.durable
        .list({ runtimeStatus: ['Running', 'Pending'] })
        .some((i) => (i.customStatus as { phase?: string } | null)?.phase === 'awaitingResult');
    /** One step of the world: let work settle, then move the clock to the next timer unless the agent is busy. */
    const tick = async () => {
      await h.host.work.idle();
      if (awaitingAgent()) {
        await sleep(20);
        return;
      }
      const next = h.host.durable.nextTimerDue();
      if (next !== undefined) clock.advanceTo(next);
      else await sleep(20);
    };
    const json = async (res: Response) => {
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, json: (parsed ?? {}) as Answer, text };
    };
    const world: PlansWorld = {
      clock,
      stack,
      site: s,
      host: h,
      async post(route, body, headers = {}) {
        const res = await h.fetch(route, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', ...headers },
        });
        const r = await json(res);
        return { status: r.status, json: r.json };
      },
      async get(route) {
        return json(await h.fetch(route));
      },
      async waitFor(instanceId, timeoutMs = 240_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const st = h.host.durable.getStatus(instanceId);
          if (st && TERMINAL.has(st.runtimeStatus))
            return st as unknown as { runtimeStatus: string; output: PlanRunResult & Answer };
          if (Date.now() > deadline)
            throw new Error(
              `waitFor(${instanceId}): still ${st?.runtimeStatus ?? 'unknown'} after ${timeoutMs} ms`,
            );
          await tick();
        }
      },
      async waitForReport(runId, predicate, timeoutMs = 240_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          await h.host.work.idle();
          const r = await world.get(`/api/runs/${runId}`);
          if (r.status === 200 && predicate(r.json as unknown as RunReport))
            return r.json as unknown as RunReport;
          if (Date.now() > deadline)
            throw new Error(
              `waitForReport(${runId}): not reached after ${timeoutMs} ms: ${r.text.slice(0, 400)}`,
            );
          await tick();
        }
      },
      logs,
      securityEvents() {
        return logs.flatMap((line) => {
          const at = line.indexOf('{"event":"lifeboat.security.');
          if (at < 0) return [];
          try {
            return [JSON.parse(line.slice(at)) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
      },
      restorePosts(serviceName) {
        return stack.arm
          .requests()
          .filter(
            (r) =>
              r.method === 'POST' &&
              r.path.toLowerCase().includes(`/service/${serviceName.toLowerCase()}/restore`),
          ).length;
      },
      async backup() {
        const started = await world.post('/api/backups', {});
        if (started.status !== 202) throw new Error(`backup start: ${started.status}`);
        for (const s of started.json['started'] as { instanceId: string }[]) {
          const end = await world.waitFor(s.instanceId);
          if ((end.output as Answer | undefined)?.['outcome'] !== 'succeeded')
            throw new Error(`backup: ${JSON.stringify(end.output)}`);
        }
      },
      async stop() {
        await h.stop();
        await s.stop();
        await stack.stop();
      },
    };
    return world;
  } catch (error) {
    await host?.stop();
    await site?.stop();
    await stack.stop();
    throw error;
  }
}
