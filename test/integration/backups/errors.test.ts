import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBackupReport } from '../../../shared/backups/report';
import { startBackupWorld, type BackupWorld } from './helpers';

/**
 * A failing activity's error reaches custom status, the run's output and GET /api/backups as
 * `{ code, message }`: never a stack trace, a server file path or a taxonomy marker (issue 8).
 */
let w: BackupWorld;

beforeAll(async () => {
  w = await startBackupWorld([{ name: 'gamma', sku: { name: 'Developer' } }], {}, { timers: false });
});
afterAll(async () => {
  await w?.stop();
});

const LEAKS = [
  /\n\s+at /,
  /\bat \S+ \(/,
  /\/(?:dist|functions|shared|node_modules)\//,
  /\.[cm]?[jt]s:\d+/,
  /\[(nonRetryable|transient)\]/,
];

function expectClean(value: unknown): void {
  const text = JSON.stringify(value);
  for (const leak of LEAKS) expect(text).not.toMatch(leak);
}

describe('errors as operators read them', () => {
  it('a failed backup operation: code and message in status, output and GET /api/backups, no stack or path', async () => {
    w.stack.arm.faults.inject(
      {
        kind: 'failOperation',
        status: 400,
        code: 'BackupFailed',
        message: 'storage account refused the write',
      },
      { on: 'poll' },
    );
    const res = await w.host.fetch('/api/backups', {
      method: 'POST',
      body: JSON.stringify({ services: ['gamma'] }),
    });
    expect(res.status).toBe(202);
    const done = await w.host.waitForInstance('backup-gamma');
    expect(done.runtimeStatus).toBe('Completed');
    const expected = {
      code: 'BackupFailed',
      message: expect.stringMatching(/storage account refused the write/),
    };
    expect(done.output).toMatchObject({ outcome: 'failed', error: expected });
    expect(done.customStatus).toMatchObject({ phase: 'finished', outcome: 'failed', error: expected });
    expectClean(done.output);
    expectClean(done.customStatus);

    const report = (await (await w.host.fetch('/api/backups')).json()) as { services: ServiceBackupReport[] };
    const gamma = report.services.find((s) => s.service === 'gamma')!;
    expect(gamma.lastRun).toMatchObject({ outcome: 'failed', error: expected });
    expectClean(gamma.lastRun);
  });

  it('unknown routes and wrong methods answer JSON: 404, and 405 with Allow', async () => {
    const missing = await w.host.fetch('/api/nowhere');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NotFound' } });
    const wrong = await w.host.fetch('/api/backups', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    expect(await wrong.json()).toMatchObject({ error: { code: 'MethodNotAllowed' } });
  });

  it('a run started around the singleton id (the Durable HTTP API) is refused, and does not stand for the last run', async () => {
    const id = await w.host.startOrchestration('backupOrchestration', {
      resourceId: w.ids['gamma']!,
      serviceName: 'gamma',
      pollDefaultMs: 60_000,
      timeoutMs: 3600_000,
      retryBudget: 1,
      retryBaseMs: 1000,
      retryMaxMs: 1000,
    });
    const done = await w.host.waitForInstance(id);
    expect(done.output).toMatchObject({ outcome: 'refused', error: { code: 'NotSingleton' } });
  });

  it('invalid input to an orchestration ends refused with the field named, not Failed', async () => {
    const id = await w.host.startOrchestration('backupOrchestration', { serviceName: 'gamma' });
    const done = await w.host.waitForInstance(id);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toMatchObject({
      outcome: 'refused',
      error: { code: 'InvalidInput', message: expect.stringMatching(/resourceId: /) },
    });
  });
});
