import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBackupReport } from '../../../shared/backups/report';
import type { StatusReport } from '../../../shared/status/model';
import { postJson } from '../restore/helpers';
import { startStatusWorld, type StatusWorld } from './helpers';

/**
 * Restore evidence (issue 21, item 5): every restore request gets its own run, a refused one does
 * not replace the evidence of the last restore that ran, and a drill restore records on the
 * backup blob, so `GET /api/backups` and the status page say the same thing.
 */
let w: StatusWorld;
let goodRun: string;

async function restore(body: Record<string, unknown>): Promise<{ id: string; out: { outcome: string } }> {
  const started = await postJson(w.host, '/api/restores', body);
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  const id = started.json['instanceId'] as string;
  const done = await w.waitFor(id);
  expect(done.runtimeStatus).toBe('Completed');
  return { id, out: done.output as { outcome: string } };
}

const status = async () => JSON.parse(await w.getText('/api/status')) as StatusReport;
const prodOf = (r: StatusReport) => r.services.find((s) => s.service === 'prod')!;
async function backups(): Promise<ServiceBackupReport> {
  const body = JSON.parse(await w.getText('/api/backups')) as { services: ServiceBackupReport[] };
  return body.services.find((s) => s.service === 'prod')!;
}

beforeAll(async () => {
  w = await startStatusWorld({
    services: [
      { name: 'prod', sku: { name: 'Developer' }, location: 'West Europe' },
      { name: 'prod-standby', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'prod-drill', sku: { name: 'Developer' }, location: 'North Europe' },
    ],
    protect: [{ service: 'prod', standby: 'prod-standby', drillTargets: ['prod-drill'] }],
    sites: [],
  });
  const started = await postJson(w.host, '/api/backups', { services: ['prod'] });
  expect(started.status).toBe(202);
  expect((await w.waitFor('backup-prod')).runtimeStatus).toBe('Completed');
  const drill = await restore({ service: 'prod', target: 'prod-drill', mode: 'drill' });
  expect(drill.out.outcome).toBe('succeeded');
  goodRun = drill.id;
}, 180_000);
afterAll(async () => {
  await w?.stop();
});

describe('restore evidence', () => {
  it('a drill restore records on the backup blob: GET /api/backups and the status page agree', async () => {
    expect((await backups()).lastRestoreVerification).toMatchObject({
      target: 'prod-drill',
      outcome: 'succeeded',
    });
    expect(prodOf(await status()).restoreVerification.colour).toBe('green');
  });

  it('a refused request gets its own run and does not erase the evidence of the last restore', async () => {
    const refused = await restore({ service: 'prod', target: 'prod-drill', mode: 'drill', backup: 'nope' });
    expect(refused.out.outcome).toBe('refused');
    expect(refused.id).not.toBe(goodRun);
    // The good run is still there to read.
    const good = JSON.parse(await w.getText(`/api/restores/${goodRun}`)) as { outcome: string };
    expect(good.outcome).toBe('succeeded');
    const prod = prodOf(await status());
    expect(prod.restoreVerification.colour).toBe('green');
    expect(prod.restoreVerification.reason).not.toMatch(/no backup .* restore-verified/);
    expect(prod.targets.find((t) => t.name === 'prod-drill')?.colour).toBe('green');
    expect((await backups()).lastRestoreVerification).toMatchObject({ outcome: 'succeeded' });
  });
});

describe('HTTP edges (issue 21, smaller items)', () => {
  it('HEAD on a GET route answers as GET without a body', async () => {
    const res = await w.host.fetch('/api/status', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('GET on a POST-only sub-route answers 405 with Allow', async () => {
    for (const path of ['/api/failovers/some-run/approve', '/api/runs/some-run/cancel']) {
      const res = await w.host.fetch(path);
      expect(res.status, path).toBe(405);
      expect(res.headers.get('allow')).toContain('POST');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('MethodNotAllowed');
    }
  });

  it('a 20 KB URL answers 431 with a JSON error', async () => {
    const res = await fetch(`${w.host.baseUrl}/api/status?x=${'a'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('RequestHeaderTooLarge');
    expect(body.error.message).toMatch(/URL|header/);
  });
});
