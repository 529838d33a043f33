import path from 'node:path';
import { VirtualClock } from '../../../local/clock';
import {
  contosoFrontDoor,
  contosoProtected,
  contosoServices,
  DRILL,
  PRIMARY,
  serviceId,
  STANDBY,
} from '../../../local/fixtures';
import type { TestHost } from '../../../local/host/testing';
import { DEMO_SITE, type LocalSite, type SimulatedSiteDescription } from '../../../local/site';
import { startWorld, type World } from '../../../local/world';
import type { AzureStack } from '../../helpers/azure';
import { loadAreas } from '../../helpers/app';
import type { RunReport } from '../../../shared/plans/report';
import type { PlanRunResult } from '../../../shared/plans/flow';

/** A JSON answer as the tests read it. */
export type Answer = Record<string, unknown> & {
  error?: { code: string; message: string; [k: string]: unknown };
};

/**
 * The whole app on the local stack for plan runs (local/world.ts): Azurite, the ARM emulator with
 * the Contoso estate (primary, standby, drill target), a real agent at the simulated site `dc1`,
 * and the local host running every area, all on one virtual clock that moves only when nothing is
 * in flight.
 */

export const PLANS_DIR = path.join(process.cwd(), 'local', 'plans');
export { DRILL, PRIMARY, serviceId, STANDBY };

export const plansApp = async (): Promise<void> => {
  const areas = await Promise.all([
    import('../../../functions/names/backup').then((m) => m.backup),
    import('../../../functions/names/restore').then((m) => m.restore),
    import('../../../functions/names/apim').then((m) => m.apim),
    import('../../../functions/names/relay').then((m) => m.relay),
    import('../../../functions/names/onprem').then((m) => m.onprem),
    import('../../../functions/names/durable').then((m) => m.durable),
    import('../../../functions/names/plans').then((m) => m.plans),
    import('../../../functions/names/core').then((m) => m.core),
    import('../../../functions/names/traffic').then((m) => m.traffic),
    import('../../../functions/names/standby').then((m) => m.standby),
  ]);
  await loadAreas(...areas);
};

export interface PlansWorld {
  world: World;
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

export async function startPlansWorld(
  options: { settings?: Record<string, string>; site?: SimulatedSiteDescription; plansDir?: string } = {},
): Promise<PlansWorld> {
  const clock = new VirtualClock(new Date('2026-03-02T08:00:00Z'));
  const logs: string[] = [];
  const world = await startWorld({
    clock,
    arm: {
      services: contosoServices({
        configuration: {
          apis: [
            { name: 'orders', path: 'orders', displayName: 'Orders' },
            { name: 'billing', path: 'billing', displayName: 'Billing' },
          ],
          products: [{ name: 'starter', displayName: 'Starter' }],
          namedValues: [{ name: 'backend-key', value: 'plans-test-secret', secret: true }],
        },
      }),
      // Front Door in front of the primary's and the standby's gateways (traffic.switch, issue 23).
      frontDoors: async (arm) => [
        contosoFrontDoor({
          primary: await arm.gateways.url(PRIMARY),
          standby: await arm.gateways.url(STANDBY),
        }),
      ],
    },
    sites: [{ site: 'dc1', description: options.site ?? DEMO_SITE }],
    host: {
      app: plansApp,
      log: (line) => {
        logs.push(line);
        if (process.env['LIFEBOAT_HOST_LOG'] === '1') console.log(line);
      },
    },
    settings: {
      LIFEBOAT_PROTECTED_SERVICES: contosoProtected(),
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
      LIFEBOAT_STANDBY_SYNC_SCHEDULE: '0 0 2 * * *',
      LIFEBOAT_PLANS_DIR: options.plansDir ?? PLANS_DIR,
      ...options.settings,
    },
  });
  // The host of the moment: `world.restartHost()` replaces it.
  const h = {
    fetch: (route: string, init?: RequestInit) => world.host.fetch(route, init),
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
  const plans: PlansWorld = {
    world,
    clock,
    stack: world.stack!,
    site: world.sites.get('dc1')!,
    get host() {
      return world.host;
    },
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
    async waitFor(instanceId, timeoutMs) {
      const end = await world.waitFor(instanceId, timeoutMs === undefined ? {} : { timeoutMs });
      return end as unknown as { runtimeStatus: string; output: PlanRunResult & Answer };
    },
    async waitForReport(runId, predicate, timeoutMs) {
      let last = '';
      const reached = world.until(
        async () => {
          const r = await plans.get(`/api/runs/${runId}`);
          last = r.text;
          return r.status === 200 && predicate(r.json as unknown as RunReport)
            ? (r.json as unknown as RunReport)
            : undefined;
        },
        {
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
          what: `waitForReport(${runId})`,
        },
      );
      return reached.catch((error: unknown) => {
        throw new Error(`${(error as Error).message}: ${last.slice(0, 400)}`);
      });
    },
    restorePosts(serviceName) {
      return world
        .arm!.requests()
        .filter(
          (r) =>
            r.method === 'POST' &&
            r.path.toLowerCase().includes(`/service/${serviceName.toLowerCase()}/restore`),
        ).length;
    },
    async backup() {
      const started = await plans.post('/api/backups', {});
      if (started.status !== 202) throw new Error(`backup start: ${started.status}`);
      for (const s of started.json['started'] as { instanceId: string }[]) {
        const end = await plans.waitFor(s.instanceId);
        if ((end.output as Answer | undefined)?.['outcome'] !== 'succeeded')
          throw new Error(`backup: ${JSON.stringify(end.output)}`);
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
    stop: () => world.stop(),
  };
  return plans;
}
