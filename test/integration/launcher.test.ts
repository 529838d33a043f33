import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../local/host/host';
import { startLocalLifeboat, type LocalLifeboat } from '../../local/lifeboat';
import { DEMO_SITE } from '../../local/site';

/**
 * What `npm start` runs (local/launcher.ts → startLocalLifeboat), loaded from the TS sources: the
 * real app on the embedded stack takes a real backup of the seeded service on demand.
 */
let lifeboat: LocalLifeboat;

beforeAll(async () => {
  lifeboat = await startLocalLifeboat({
    appRoot: process.cwd(),
    port: 0,
    loader: { main: 'functions/**/*.ts', importer: (file) => import(file) },
    apim: { backupMs: 0, restoreMs: 0, retryAfterSeconds: 1 },
    siteDescription: {
      ...DEMO_SITE,
      lync: { pools: [{ fqdn: 'pool2.contoso.local', syncDurationMs: 0 }] },
      hyperv: {
        vms: [
          { name: 'app-01', failbackDurationMs: 0 },
          { name: 'app-02', failbackDurationMs: 0 },
          { name: 'sql-01', failbackDurationMs: 0 },
        ],
      },
    },
    log: () => undefined,
  });
});
afterAll(async () => {
  await lifeboat?.stop();
});

async function waitForStatus(uri: string): Promise<{ runtimeStatus: string; output: unknown }> {
  let status: { runtimeStatus: string; output: unknown } = { runtimeStatus: 'Pending', output: null };
  for (let i = 0; i < 150 && !['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus); i++) {
    await new Promise((r) => setTimeout(r, 200));
    status = (await (await fetch(uri)).json()) as typeof status;
  }
  return status;
}

describe('the local launcher stack', () => {
  it('refuses a VM failback started around Lifeboat (the Durable HTTP API), and runs the drill through the real agent', async () => {
    const start = async (mode: string) => {
      const res = await fetch(
        `${lifeboat.host.origin}/runtime/webhooks/durabletask/orchestrators/vmFailback`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ site: 'dc1', vms: ['app-01', 'app-02'], mode, pollMs: 1000 }),
        },
      );
      expect(res.status).toBe(202);
      return ((await res.json()) as { statusQueryGetUri: string }).statusQueryGetUri;
    };
    // A failover changes production: only Lifeboat starts one (issue 20; it used to run from here).
    const failover = await waitForStatus(await start('failover'));
    expect(failover.runtimeStatus).toBe('Completed');
    expect(failover.output).toMatchObject({ outcome: 'refused', error: { code: 'NotStartedByLifeboat' } });

    const drill = await waitForStatus(await start('drill'));
    expect(drill.runtimeStatus).toBe('Completed');
    expect(JSON.stringify(drill.output)).toContain('refusedInDrill');
  });

  it('serves health and takes a verified backup of the seeded service on demand', async () => {
    const origin = lifeboat.host.origin;
    const health = await fetch(`${origin}/api/health`);
    expect(health.status).toBe(200);

    const started = await fetch(`${origin}/api/backups`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(started.status).toBe(202);
    const body = (await started.json()) as { started: { instanceId: string; statusQueryGetUri: string }[] };
    expect(body.started).toHaveLength(1);

    const statusUri = body.started[0]!.statusQueryGetUri;
    let status: { runtimeStatus: string } = { runtimeStatus: 'Pending' };
    for (let i = 0; i < 100 && !['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus); i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await (await fetch(statusUri)).json()) as { runtimeStatus: string };
    }
    expect(status.runtimeStatus).toBe('Completed');

    const report = (await (await fetch(`${origin}/api/backups`)).json()) as {
      services: { service: string; newestVerified: { name: string } | null }[];
    };
    expect(report.services[0]?.service).toBe('contoso-apim');
    expect(report.services[0]?.newestVerified?.name).toMatch(
      /^contoso-apim\/contoso-apim-\d{8}T\d{6}Z\.apimbackup$/,
    );
  });

  it('restores that backup into the drill target as a drill, verified against its manifest', async () => {
    const origin = lifeboat.host.origin;
    const started = await fetch(`${origin}/api/restores`, {
      method: 'POST',
      body: JSON.stringify({ service: 'contoso-apim', target: 'contoso-apim-drill', mode: 'drill' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(started.status).toBe(202);
    const { statusUri } = (await started.json()) as { statusUri: string };
    let view: {
      outcome?: string;
      result?: { verification?: { equal: boolean }; target?: { role?: string } };
    } = {};
    for (let i = 0; i < 150 && (view.outcome ?? null) === null; i++) {
      await new Promise((r) => setTimeout(r, 200));
      view = (await (await fetch(`${origin}${statusUri}`)).json()) as typeof view;
    }
    expect(view.outcome).toBe('succeeded');
    expect(view.result?.target?.role).toBe('drillTarget');
    expect(view.result?.verification?.equal).toBe(true);
    const drill = lifeboat.stack.arm.services
      .list()
      .find((s) => s.name === 'contoso-apim-drill')!.configuration;
    expect(drill.apis.map((a) => a.name).sort()).toEqual(['billing', 'catalog', 'orders', 'orders;rev=2']);
  });

  it('runs a drill of the sample plan end to end: every step, cleanup, report', async () => {
    const origin = lifeboat.host.origin;
    const plans = (await (await fetch(`${origin}/api/plans`)).json()) as {
      plans: { name: string; valid: boolean }[];
    };
    expect(plans.plans).toContainEqual(expect.objectContaining({ name: 'contoso-dr', valid: true }));
    const started = await fetch(`${origin}/api/drills`, {
      method: 'POST',
      body: JSON.stringify({ plan: 'contoso-dr', by: 'alice' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    let run: { state?: string; outcome?: string; cleanup?: { outcome?: string }[]; error?: unknown } = {};
    for (let i = 0; i < 300 && !['completed', 'cancelled'].includes(run.state ?? ''); i++) {
      await new Promise((r) => setTimeout(r, 200));
      run = (await (await fetch(`${origin}/api/runs/${runId}`)).json()) as typeof run;
    }
    expect(run, JSON.stringify(run.error)).toMatchObject({ state: 'completed', outcome: 'succeeded' });
    expect(run.cleanup?.map((c) => c.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const html = await fetch(`${origin}/api/runs/${runId}/report.html`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('contoso-dr');
  }, 90_000);
});
