import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackupWorld, type BackupWorld } from './helpers';

const KEY = 'bm90LWEtcmVhbC1rZXktYnV0LXN0aWxsLXNlY3JldA==';
let w: BackupWorld;
const lines: string[] = [];

beforeAll(async () => {
  w = await startBackupWorld(
    [{ name: 'keyed', sku: { name: 'Basic' } }],
    { LIFEBOAT_BACKUP_ACCESS_TYPE: 'AccessKey', LIFEBOAT_BACKUP_ACCESS_KEY: KEY },
    { timers: false, log: (line) => lines.push(line) },
  );
});
afterAll(async () => {
  await w?.stop();
});

describe('the storage access key', () => {
  it('reaches APIM but never the orchestration history, status, report or logs', async () => {
    w.stack.arm.faults.inject({ kind: 'serviceLocked' }, { times: 1, on: 'post' });
    const res = await w.host.fetch('/api/backups', { method: 'POST' });
    expect(res.status).toBe(202);
    const startBody = await res.text();
    const done = await w.host.waitForInstance('backup-keyed');
    expect(done.runtimeStatus).toBe('Completed');
    const report = await (await w.host.fetch('/api/backups')).text();
    const everything = [
      startBody,
      JSON.stringify(done),
      JSON.stringify(w.host.getHistory('backup-keyed')),
      report,
      ...lines,
    ].join('\n');
    expect(everything).not.toContain(KEY);
    // The run did log its outcome line (so the check above looked at real output).
    expect(lines.some((l) => l.includes('lifeboat.backup.run') && l.includes('"outcome":"succeeded"'))).toBe(
      true,
    );
  });
});
