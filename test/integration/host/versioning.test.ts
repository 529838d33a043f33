import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { EventType } from '../../../local/host/durable/history';
import { createTestHost, type TestHost } from '../../../local/host/testing';

/**
 * Orchestration versioning through the local host, with a program written as the extension's
 * documentation describes it (fixtures/versioned.ts). Versions come from host.json's
 * `extensions.durableTask` keys, overridden per host by app settings as on the real host.
 */

const KEY = 'AzureFunctionsJobHost__extensions__durableTask__';
const clock = new VirtualClock(new Date('2026-01-01T00:00:00Z'));
let t: TestHost | undefined;

async function start(
  durableTask: { defaultVersion?: string; versionMatchStrategy?: string; versionFailureStrategy?: string },
  previous?: TestHost,
): Promise<TestHost> {
  const durableTaskHub = previous?.host.durable.detach();
  await previous?.stop();
  t = await createTestHost({
    appRoot: process.cwd(),
    clock,
    app: () => import('./fixtures/versioned'),
    settings: Object.fromEntries(Object.entries(durableTask).map(([k, v]) => [KEY + k, v])),
    queues: { enabled: false },
    ...(durableTaskHub === undefined ? {} : { durableTaskHub }),
  });
  return t;
}

afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const startedVersion = (host: TestHost, id: string) =>
  host.getHistory(id).find((e) => e.EventType === EventType.ExecutionStarted)?.['Version'];

describe('orchestration versioning', () => {
  it('stamps the default version, keeps an in-flight instance on its path across a restart, runs new ones on the new path', async () => {
    let host = await start({ defaultVersion: '1.0' });
    const old = await host.startOrchestration('versioned');
    await host.runUntilIdle();
    expect(startedVersion(host, old)).toBe('1.0');
    expect(host.getStatus(old)?.customStatus).toEqual({ version: '1.0' });

    host = await start({ defaultVersion: '2.0' }, host);
    expect(host.getStatus(old)?.runtimeStatus).toBe('Running');
    host.raiseEvent(old, 'go');
    const oldEnd = await host.waitForInstance(old);
    expect(oldEnd.output).toEqual({ version: '1.0', steps: ['step a'] });

    const fresh = await host.startOrchestration('versioned');
    await host.runUntilIdle();
    host.raiseEvent(fresh, 'go');
    const freshEnd = await host.waitForInstance(fresh);
    expect(freshEnd.output).toEqual({ version: '2.0', steps: ['step a', 'step b'] });
  });

  it('gives a sub-orchestration the version passed to callSubOrchestrator, else the default', async () => {
    const host = await start({ defaultVersion: '2.0' });
    const id = await host.startOrchestration('versionedParent', undefined, 'parent-1');
    const end = await host.waitForInstance(id);
    expect(end.output).toEqual({ parent: '2.0', byDefault: '2.0', explicit: '1.5' });
    expect(startedVersion(host, 'parent-1-explicit')).toBe('1.5');
  });

  it('starts an instance with the version the client passes (startNew { version })', async () => {
    const host = await start({ defaultVersion: '2.0' });
    const res = await host.fetch('/api/start/versioned/1.0', { method: 'POST' });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    await host.runUntilIdle();
    host.raiseEvent(id, 'go');
    expect((await host.waitForInstance(id)).output).toEqual({ version: '1.0', steps: ['step a'] });
  });

  it('is off without a default version: the version is empty', async () => {
    const host = await start({ defaultVersion: '' }); // the repository's host.json sets one
    const id = await host.startOrchestration('versionedChild');
    expect((await host.waitForInstance(id)).output).toBe('');
    expect(startedVersion(host, id)).toBe('');
  });

  it('CurrentOrOlder + Reject: an older worker leaves a newer instance untouched until a matching worker runs it', async () => {
    let host = await start({ defaultVersion: '2.0' });
    const id = await host.startOrchestration('versioned');
    await host.runUntilIdle();
    host = await start({ defaultVersion: '1.0' }, host); // a rollback
    host.raiseEvent(id, 'go');
    await host.runUntilIdle();
    expect(host.getStatus(id)?.runtimeStatus).toBe('Running');
    expect(host.getHistory(id).some((e) => e.EventType === EventType.EventRaised)).toBe(false);
    host = await start({ defaultVersion: '2.0' }, host);
    expect((await host.waitForInstance(id)).output).toEqual({ version: '2.0', steps: ['step a', 'step b'] });
  });

  it('CurrentOrOlder + Fail: an older worker fails a newer instance', async () => {
    let host = await start({ defaultVersion: '2.0' });
    const id = await host.startOrchestration('versioned');
    await host.runUntilIdle();
    host = await start({ defaultVersion: '1.0', versionFailureStrategy: 'Fail' }, host);
    host.raiseEvent(id, 'go');
    const end = await host.waitForInstance(id);
    expect(end.runtimeStatus).toBe('Failed');
    expect(String(end.output)).toContain("version '2.0' is greater than the worker version '1.0'");
  });

  it('Strict runs only its own version; None runs any', async () => {
    let host = await start({ defaultVersion: '1.0' });
    const id = await host.startOrchestration('versioned');
    await host.runUntilIdle();
    host = await start({ defaultVersion: '2.0', versionMatchStrategy: 'Strict' }, host);
    host.raiseEvent(id, 'go');
    await host.runUntilIdle();
    expect(host.getStatus(id)?.runtimeStatus).toBe('Running');
    host = await start({ defaultVersion: '0.5', versionMatchStrategy: 'None' }, host);
    expect((await host.waitForInstance(id)).output).toEqual({ version: '1.0', steps: ['step a'] });
  });

  it('refuses an unknown strategy in host.json with the field named', async () => {
    await expect(start({ defaultVersion: '1.0', versionMatchStrategy: 'Newest' })).rejects.toThrow(
      /extensions\.durableTask\.versionMatchStrategy/,
    );
  });
});
