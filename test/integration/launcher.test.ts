import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../local/host/host';
import { FRONT_DOOR, PRIMARY } from '../../local/fixtures';
import { startLocalLifeboat, type LocalLifeboat } from '../../local/lifeboat';
import { DEMO_SITE } from '../../local/site';
import { signInLines } from '../../local/host/signIn';
import { as, person } from '../helpers/people';

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
    const olivia = as(lifeboat.host, 'olivia');

    // Nobody signed in, nothing starts.
    const anonymous = await fetch(`${origin}/api/backups`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    const started = await fetch(`${origin}/api/backups`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', ...olivia },
    });
    expect(started.status).toBe(202);
    const text = await started.text();
    // Lifeboat's own status route, never a Durable management URL (in Azure it carries the system key).
    expect(text).not.toMatch(/runtime\/webhooks|durabletask|code=/i);
    const body = JSON.parse(text) as { started: { instanceId: string; statusUri: string }[] };
    expect(body.started).toHaveLength(1);

    const statusUri = body.started[0]!.statusUri;
    expect(statusUri).toBe(`/api/runs/${body.started[0]!.instanceId}`);
    let status: { runtimeStatus: string } = { runtimeStatus: 'Pending' };
    for (let i = 0; i < 100 && !['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus); i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await (await fetch(`${origin}${statusUri}`, { headers: olivia })).json()) as {
        runtimeStatus: string;
      };
    }
    expect(status.runtimeStatus).toBe('Completed');

    const report = (await (await fetch(`${origin}/api/backups`, { headers: olivia })).json()) as {
      services: { service: string; newestVerified: { name: string } | null }[];
    };
    expect(report.services[0]?.service).toBe('contoso-apim');
    expect(report.services[0]?.newestVerified?.name).toMatch(
      /^contoso-apim\/contoso-apim-\d{8}T\d{6}Z\.apimbackup$/,
    );
  });

  it('restores that backup into the drill target as a drill, verified against its manifest', async () => {
    const origin = lifeboat.host.origin;
    const olivia = as(lifeboat.host, 'olivia');
    const started = await fetch(`${origin}/api/restores`, {
      method: 'POST',
      body: JSON.stringify({ service: 'contoso-apim', target: 'contoso-apim-drill', mode: 'drill' }),
      headers: { 'content-type': 'application/json', ...olivia },
    });
    expect(started.status).toBe(202);
    const { statusUri } = (await started.json()) as { statusUri: string };
    let view: {
      outcome?: string;
      result?: { verification?: { equal: boolean }; target?: { role?: string } };
    } = {};
    for (let i = 0; i < 150 && (view.outcome ?? null) === null; i++) {
      await new Promise((r) => setTimeout(r, 200));
      view = (await (await fetch(`${origin}${statusUri}`, { headers: olivia })).json()) as typeof view;
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
    const olivia = as(lifeboat.host, 'olivia');
    const plans = (await (await fetch(`${origin}/api/plans`, { headers: olivia })).json()) as {
      plans: { name: string; valid: boolean }[];
    };
    expect(plans.plans).toContainEqual(expect.objectContaining({ name: 'contoso-dr', valid: true }));
    const started = await fetch(`${origin}/api/drills`, {
      method: 'POST',
      body: JSON.stringify({ plan: 'contoso-dr' }),
      headers: { 'content-type': 'application/json', ...olivia },
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    let run: { state?: string; outcome?: string; cleanup?: { outcome?: string }[]; error?: unknown } = {};
    for (let i = 0; i < 300 && !['completed', 'cancelled'].includes(run.state ?? ''); i++) {
      await new Promise((r) => setTimeout(r, 200));
      run = (await (await fetch(`${origin}/api/runs/${runId}`, { headers: olivia })).json()) as typeof run;
    }
    expect(run, JSON.stringify(run.error)).toMatchObject({ state: 'completed', outcome: 'succeeded' });
    expect(run.cleanup?.map((c) => c.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const html = await fetch(`${origin}/api/runs/${runId}/report.html`, { headers: olivia });
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('contoso-dr');
    expect(run).toMatchObject({
      requestedBy: person('olivia').name,
      requestedById: person('olivia').objectId,
    });
  }, 90_000);

  it('has a Front Door endpoint in front of the primary, printed, whose edge reaches the primary gateway', async () => {
    const line = lifeboat.describe().find((l) => l.startsWith('Front Door'));
    const url = /https:\/\/\S+/.exec(line ?? '')?.[0];
    expect(url, line).toBeDefined();
    const arm = lifeboat.stack.arm;
    const primary = arm.gateways.probes(PRIMARY);
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.get(url!, { ca: arm.caPem }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
    expect(status).toBe(200);
    expect(arm.traffic.edgeRequests(FRONT_DOOR).at(-1)).toMatchObject({ origin: 'primary', status: 200 });
    expect(arm.gateways.probes(PRIMARY)).toBe(primary + 1);
  });

  it('prints curl lines that sign in an operator who requests and an approver who approves', async () => {
    const origin = lifeboat.host.origin;
    const lines = signInLines(origin, lifeboat.host.signIn);
    const failoverLine = lines.find((l) => l.includes('/api/failovers') && !l.includes('/approve'));
    const approveLine = lines.find((l) => l.includes('/approve'));
    expect(failoverLine).toContain('Bearer $OLIVIA');
    expect(approveLine).toContain('Bearer $ALEX');
    // The export line binds each variable to that person's token, and the token signs them in.
    const exports = lines.find((l) => l.trim().startsWith('export LIFEBOAT='))!;
    const vars = Object.fromEntries(
      exports
        .trim()
        .slice('export '.length)
        .split(' ')
        .map((kv) => kv.split('=') as [string, string]),
    );
    expect(vars['LIFEBOAT']).toBe(origin);
    expect(vars['OLIVIA']).toBe(lifeboat.host.signIn.tokenOf('olivia'));
    expect(vars['ALEX']).toBe(lifeboat.host.signIn.tokenOf('alex'));
    const status = await fetch(`${origin}/api/status`, {
      headers: { authorization: `Bearer ${vars['ALEX']}` },
    });
    expect(status.status).toBe(200);
    const anonymous = await fetch(`${origin}/api/status`);
    expect(anonymous.status).toBe(401);
  });
});
