import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreInstanceId } from '../../../shared/restore/run';
import { postJson, restorePosts, startRestoreWorld, type RestoreWorld } from './helpers';
import { as } from '../../helpers/people';

let w: RestoreWorld;
let backupName: string;
/** The primary's lists when the backup was taken. */
let atBackup: unknown;

const configuration = {
  apis: [
    { name: 'orders', path: 'orders' },
    { name: 'orders;rev=2', path: 'orders', apiRevision: '2', isCurrent: false },
    { name: 'billing', path: 'billing' },
  ],
  products: [{ name: 'starter' }, { name: 'unlimited' }],
  namedValues: [
    { name: 'backend-url', value: 'https://backend.example' },
    { name: 'backend-key', value: 'secret-value', secret: true },
  ],
};

beforeAll(async () => {
  w = await startRestoreWorld(
    [
      { name: 'prod', sku: { name: 'Developer' }, location: 'West Europe', configuration },
      { name: 'prod-standby', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'prod-drill', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'prod-drill-premium', sku: { name: 'Premium' }, location: 'North Europe' },
    ],
    [{ service: 'prod', standby: 'prod-standby', drillTargets: ['prod-drill', 'prod-drill-premium'] }],
  );
  const started = await postJson(w.host, '/api/backups', { services: ['prod'] });
  expect(started.status).toBe(202);
  const done = await w.host.waitForInstance('backup-prod');
  const out = done.output as { outcome: string; blobName: string; manifest: { outcome: string } };
  expect(out.outcome).toBe('succeeded');
  expect(out.manifest.outcome).toBe('succeeded');
  backupName = out.blobName;
  atBackup = w.stack.arm.services.get(w.ids['prod']!)!.configuration;
  // The primary changes after the backup: the restore must bring back the backup's lists.
  w.stack.arm.services.update(w.ids['prod']!, {
    configuration: { ...configuration, apis: [...configuration.apis, { name: 'late', path: 'late' }] },
  });
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

interface RestoreOutput {
  outcome: string;
  error?: { code: string; message: string };
  target: { resourceId: string; role?: string };
  backup?: { name: string; takenAt: string };
  recoveryPointAgeMs?: number;
  timings: Record<string, string>;
  verification?: { equal: boolean; differences: string[] };
  smokeCheck?: { status: string; httpStatus?: number };
  retries: number;
  polls: number;
}

async function restoreAndWait(body: Record<string, unknown>): Promise<{ id: string; out: RestoreOutput }> {
  const started = await postJson(w.host, '/api/restores', body);
  expect(started.status).toBe(202);
  const id = started.json['instanceId'] as string;
  expect(started.json['statusUri']).toBe(`/api/restores/${id}`);
  const done = await w.host.waitForInstance(id, { timeoutMs: 60_000 });
  expect(done.runtimeStatus).toBe('Completed');
  return { id, out: done.output as RestoreOutput };
}

describe('restoreApim through the local host', () => {
  it('a cross-region restore into the standby ends succeeded and verified, with the lists of the source at backup time', async () => {
    const probesBefore = w.stack.arm.gateways.probes(w.ids['prod-standby']!);
    const { id, out } = await restoreAndWait({ service: 'prod' });
    // A run of its own under the target's key (issue 21: a later refusal never overwrites it).
    expect(id.startsWith(`${restoreInstanceId(w.ids['prod-standby']!)}-`)).toBe(true);
    expect(out.outcome).toBe('succeeded');
    expect(out.error).toBeUndefined();
    expect(out.target).toEqual({ resourceId: w.ids['prod-standby'], role: 'standby' });
    expect(out.backup?.name).toBe(backupName);
    expect(out.recoveryPointAgeMs).toBeGreaterThan(0);
    expect(out.verification).toEqual({ equal: true, differences: [], differenceCount: 0 });
    expect(out.smokeCheck).toEqual({ status: 'passed', httpStatus: 200 });
    expect(w.stack.arm.gateways.probes(w.ids['prod-standby']!)).toBeGreaterThan(probesBefore);
    expect(out.polls).toBeGreaterThan(0);
    for (const k of ['startedAt', 'acceptedAt', 'detectedAt', 'verifiedAt'])
      expect(out.timings[k]).toBeTruthy();
    // The restore ran for the emulator's 30 minutes: detected no earlier.
    expect(
      Date.parse(out.timings['detectedAt']!) - Date.parse(out.timings['acceptedAt']!),
    ).toBeGreaterThanOrEqual(30 * 60_000);
    expect(w.stack.arm.services.get(w.ids['prod-standby']!)!.configuration).toEqual(atBackup);
    expect(restorePosts(w.stack, 'prod-standby')).toBe(1);

    // The operator's view.
    const res = await w.host.fetch(`/api/restores/${id}`);
    expect(res.status).toBe(200);
    const view = (await res.json()) as { flow: string; outcome: string; result: RestoreOutput };
    expect(view.flow).toBe('restoreApim');
    expect(view.outcome).toBe('succeeded');
    expect(view.result.backup?.name).toBe(backupName);
  });

  it('a drill into the primary is refused at the route (403) for every spelling of its id, before anything starts', async () => {
    const primary = w.ids['prod']!;
    const primaryRequests = () =>
      w.stack.arm.requests().filter((r) => /\/service\/prod(?:\/|$)/i.test(r.path)).length;
    const before = primaryRequests();
    const runsBefore = w.host.host.durable.list({}).length;
    const spellings = [
      primary,
      primary.toUpperCase(),
      `${primary}/`,
      `  ${primary}  `,
      primary
        .replace('/providers/', '/Providers/')
        .replace('Microsoft.ApiManagement', 'microsoft.apimanagement'),
      primary.replace('/resourceGroups/', '//resourceGroups/'),
      primary.slice(1),
      'prod',
    ];
    for (const target of spellings) {
      const refused = await postJson(w.host, '/api/restores', { service: 'prod', target, mode: 'drill' });
      expect(refused.status, target).toBe(403);
      expect(refused.json.error?.code, target).toBe('PrimaryInDrill');
    }
    // Without the opt-in, a failover into the primary is refused as well, even for an approver.
    const failover = await postJson(w.host, '/api/restores', {
      service: 'prod',
      target: primary,
      mode: 'failover',
    });
    expect(failover.status).toBe(403);
    expect(failover.json.error?.code).toBe('PrimaryNotAllowed');
    expect(w.host.host.durable.list({}).length).toBe(runsBefore);
    expect(restorePosts(w.stack, 'prod')).toBe(0);
    // Refused before any ARM call: not even a GET of the primary.
    expect(primaryRequests()).toBe(before);
  });

  it('the run keeps its own check: restoreApim started directly over the primary in a drill ends refused', async () => {
    const { getConfig } = await import('../../../shared/config');
    const { buildRestoreInput } = await import('../../../shared/restore/run');
    const config = getConfig();
    const service = config.backup.services.find((s) => s.serviceName === 'prod')!;
    const input = buildRestoreInput(
      service,
      { targetResourceId: w.ids['prod']!, backup: 'latest', mode: 'drill' },
      config.restore,
    );
    const id = await w.host.startOrchestration('restoreApim', input, 'direct-drill-over-primary');
    const done = await w.host.waitForInstance(id, { timeoutMs: 60_000 });
    expect(done.output).toMatchObject({ outcome: 'refused', error: { code: 'PrimaryInDrill' } });
    expect(restorePosts(w.stack, 'prod')).toBe(0);
  });

  it('who may overwrite what: a drill only into a drill target; the standby only by an approver (403 before anything starts)', async () => {
    const runsBefore = w.host.host.durable.list({}).length;
    const drillOverStandby = await postJson(w.host, '/api/restores', { service: 'prod', mode: 'drill' });
    expect(drillOverStandby.status).toBe(403);
    expect(drillOverStandby.json.error?.code).toBe('DrillTargetsOnly');
    const byOperator = await postJson(w.host, '/api/restores', { service: 'prod' }, as(w, 'olivia'));
    expect(byOperator.status).toBe(403);
    expect(byOperator.json.error?.message).toContain('Lifeboat.Approver');
    const byReader = await postJson(
      w.host,
      '/api/restores',
      { service: 'prod', target: 'prod-drill', mode: 'drill' },
      as(w, 'rita'),
    );
    expect(byReader.status).toBe(403);
    expect(byReader.json.error?.message).toContain('Lifeboat.Operator');
    const anonymous = await fetch(new URL('/api/restores', w.host.baseUrl), {
      method: 'POST',
      body: JSON.stringify({ service: 'prod', target: 'prod-drill', mode: 'drill' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(anonymous.status).toBe(401);
    expect(w.host.host.durable.list({}).length).toBe(runsBefore);
    expect(restorePosts(w.stack, 'prod-standby')).toBe(1); // the first test's restore only
  });

  it('a tier mismatch is refused before any restore call', async () => {
    const { out } = await restoreAndWait({ service: 'prod', target: 'prod-drill-premium', mode: 'drill' });
    expect(out.outcome).toBe('refused');
    expect(out.error?.code).toBe('TierMismatch');
    expect(out.error?.message).toContain('target is Premium');
    expect(restorePosts(w.stack, 'prod-drill-premium')).toBe(0);
  });

  it('a missing named backup is refused with the reason', async () => {
    const { out } = await restoreAndWait({
      service: 'prod',
      target: 'prod-drill',
      backup: 'prod/nope.apimbackup',
    });
    expect(out.outcome).toBe('refused');
    expect(out.error?.code).toBe('BackupNotFound');
    expect(restorePosts(w.stack, 'prod-drill')).toBe(0);
  });

  it('409 ServiceLocked twice, then success', async () => {
    const before = restorePosts(w.stack, 'prod-drill');
    w.stack.arm.faults.inject({ kind: 'serviceLocked' }, { times: 2, on: 'post' });
    const { out } = await restoreAndWait({ service: 'prod', target: 'prod-drill', mode: 'drill' });
    expect(out.outcome).toBe('succeeded');
    expect(out.retries).toBe(2);
    expect(restorePosts(w.stack, 'prod-drill') - before).toBe(3);
    expect(w.stack.arm.services.get(w.ids['prod-drill']!)!.configuration).toEqual(atBackup);
  });

  it("the emulator's RestoreFailed on a poll is reported, not retried", async () => {
    w.stack.arm.faults.inject(
      {
        kind: 'failOperation',
        status: 400,
        code: 'RestoreFailed',
        message: 'Cannot restore: something broke',
      },
      { on: 'poll' },
    );
    const { out } = await restoreAndWait({ service: 'prod', target: 'prod-drill', mode: 'drill' });
    expect(out.outcome).toBe('failed');
    expect(out.error?.code).toBe('RestoreFailed');
    expect(out.retries).toBe(0);
    expect(out.polls).toBe(1);
    w.stack.arm.faults.clear();
  });

  it('an API dropped by the restore ends failed, naming it', async () => {
    w.stack.arm.faults.inject({ kind: 'dropApiOnRestore', api: 'billing' });
    const { id, out } = await restoreAndWait({ service: 'prod', target: 'prod-drill', mode: 'drill' });
    expect(out.outcome).toBe('failed');
    expect(out.error?.code).toBe('VerificationFailed');
    expect(out.error?.message).toContain("API 'billing' is missing from the target");
    expect(out.verification?.differences).toEqual(["API 'billing' is missing from the target"]);
    const view = (await (await w.host.fetch(`/api/restores/${id}`)).json()) as { error: { code: string } };
    expect(view.error.code).toBe('VerificationFailed');
  });

  it('a gateway failing its health path after a verified restore ends failed (SmokeCheckFailed)', async () => {
    w.stack.arm.gateways.setHealthy(w.ids['prod-drill']!, false);
    try {
      const { out } = await restoreAndWait({ service: 'prod', target: 'prod-drill', mode: 'drill' });
      expect(out.outcome).toBe('failed');
      expect(out.error?.code).toBe('SmokeCheckFailed');
      expect(out.verification?.equal).toBe(true);
      expect(out.smokeCheck).toEqual({ status: 'failed', httpStatus: 503 });
    } finally {
      w.stack.arm.gateways.setHealthy(w.ids['prod-drill']!, true);
    }
  });

  it('a second restore into a busy target is refused with 409 and the running id', async () => {
    const first = await postJson(w.host, '/api/restores', {
      service: 'prod',
      target: 'prod-drill',
      mode: 'drill',
    });
    expect(first.status).toBe(202);
    const id = first.json['instanceId'] as string;
    // Another spelling of the same target is the same target: refused, naming the running run.
    const second = await postJson(w.host, '/api/restores', {
      service: 'prod',
      target: w.ids['prod-drill']!.toUpperCase(),
      mode: 'drill',
    });
    expect(second.status).toBe(409);
    expect(second.json.error?.code).toBe('TargetBusy');
    expect(second.json.error?.message).toContain(id);
    expect(second.json.error).toMatchObject({ instanceId: id });
    const done = await w.host.waitForInstance(id, { timeoutMs: 60_000 });
    expect((done.output as RestoreOutput).outcome).toBe('succeeded');
  });

  it('a transitioning target is waited for, then restored', async () => {
    const drill = w.ids['prod-drill']!;
    w.stack.arm.services.update(drill, { provisioningState: 'Activating' });
    const started = await postJson(w.host, '/api/restores', {
      service: 'prod',
      target: 'prod-drill',
      mode: 'drill',
    });
    expect(started.status).toBe(202);
    const id = started.json['instanceId'] as string;
    const phaseOf = () => (w.host.getStatus(id)?.customStatus as { phase?: string } | undefined)?.phase;
    for (let i = 0; i < 500 && phaseOf() !== 'waiting-for-target'; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(phaseOf()).toBe('waiting-for-target');
    const view = (await (await w.host.fetch(`/api/restores/${id}`)).json()) as {
      progress: { waitingFor?: string };
      outcome: unknown;
    };
    expect(view.outcome).toBeNull();
    expect(view.progress.waitingFor).toContain('target');
    w.stack.arm.services.update(drill, { provisioningState: 'Succeeded' });
    const done = await w.host.waitForInstance(id, { timeoutMs: 60_000 });
    const out = done.output as RestoreOutput;
    expect(out.outcome).toBe('succeeded');
    expect(out.retries).toBeGreaterThanOrEqual(1);
  });

  it('answers 400 naming the field, 404 for an unknown service, target or run', async () => {
    const bad = await postJson(w.host, '/api/restores', { service: 'prod', mode: 'sometimes' });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toContain('mode');
    const missing = await postJson(w.host, '/api/restores', {});
    expect(missing.status).toBe(400);
    expect(missing.json.error?.message).toContain('service');
    const unknown = await postJson(w.host, '/api/restores', { service: 'nope' });
    expect(unknown.status).toBe(404);
    const target = await postJson(w.host, '/api/restores', { service: 'prod', target: 'elsewhere' });
    expect(target.status).toBe(404);
    expect(target.json.error?.code).toBe('TargetNotFound');
    expect((await w.host.fetch('/api/restores/nope')).status).toBe(404);
    expect((await w.host.fetch('/api/restores/backup-prod')).status).toBe(404);
  });

  // Last: it moves the clock past the restore window.
  it('an expired backup is refused with its age, before any restore call', async () => {
    const before = restorePosts(w.stack, 'prod-drill');
    w.clock.advance(31 * 24 * 3_600_000);
    const { out } = await restoreAndWait({ service: 'prod', target: 'prod-drill', mode: 'drill' });
    expect(out.outcome).toBe('refused');
    expect(out.error?.code).toBe('BackupExpired');
    expect(out.error?.message).toMatch(/^newest verified backup is 31 days old/);
    expect(restorePosts(w.stack, 'prod-drill')).toBe(before);
  });
});
