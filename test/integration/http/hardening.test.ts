import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';
import { createTestHost, type TestHost } from '../../../local/host/testing';
import { PLANS_CONTAINER, planPaths } from '../../../shared/plans/report';
import { loadAreas } from '../../helpers/app';

/**
 * Issue 20, findings 4 and 7, through the local host against Azurite: an error that echoes a
 * 3 KB request key of spaces and newlines no longer blocks the process; ids in paths and queries
 * follow one rule (no blob probing in other containers, no NUL turning into an instance listing);
 * every HTML answer carries the page security headers.
 */
let azurite: AzuriteHandle;
let host: TestHost;
let blobs: BlobServiceClient;

const SUB = '00000000-0000-0000-0000-000000000000';
const serviceId = (rg: string, name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.ApiManagement/service/${name}`;

beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  host = await createTestHost({
    appRoot: process.cwd(),
    app: async () => {
      const { plans } = await import('../../../functions/names/plans');
      const { restore } = await import('../../../functions/names/restore');
      await loadAreas({
        startDrill: plans.startDrill,
        listRuns: plans.listRuns,
        getRunReport: plans.getRunReport,
        getRestore: restore.getRestore,
      });
    },
    settings: {
      AzureWebJobsStorage: azurite.connectionString,
      LIFEBOAT_PLANS_DIR: path.join(process.cwd(), 'local', 'plans'),
      LIFEBOAT_RELAY_SITES: 'dc1',
      // The local host plays App Service Authentication (signs the default test person in).
      LIFEBOAT_LOCAL_MODE: 'true',
      LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
        {
          resourceId: serviceId('rg-apim-weu', 'contoso-apim'),
          standbyResourceId: serviceId('rg-apim-neu', 'contoso-apim-standby'),
        },
      ]),
    },
    timers: false,
    queues: { enabled: false },
  });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

const answer = async (res: Response) => ({
  status: res.status,
  headers: res.headers,
  body: (await res.json()) as { error?: { code: string; message: string } } & Record<string, unknown>,
});

describe('an error that echoes user text', () => {
  it('answers a 3 KB key of spaces and newlines at once, and /api/health is not held up', async () => {
    // Warm-up: the first request loads the plan modules.
    expect((await host.fetch('/api/drills', { method: 'POST', body: '{}' })).status).toBe(400);

    const key = ' \n'.repeat(1536);
    // CPU time, not wall time: the machine may be loaded, but the old stack stripper burned
    // seconds of CPU on this input (5 s on an idle machine) with the event loop blocked; parsing
    // and answering takes a few milliseconds. 1 s of CPU is far from both.
    const before = process.cpuUsage();
    const [drill, health] = await Promise.all([
      host.fetch('/api/drills', { method: 'POST', body: JSON.stringify({ plan: 'contoso-dr', [key]: 1 }) }),
      host.fetch('/api/health'),
    ]);
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1000).toBeLessThan(1000);

    const d = await answer(drill);
    expect(d.status).toBe(400);
    expect(d.body.error?.code).toBe('InvalidInput');
    expect(d.body.error?.message).toMatch(/^body: Unrecognized key/);
    expect(d.body.error?.message.length).toBeLessThanOrEqual(1024);
    expect(health.status).toBe(200);
  });
});

describe('ids in paths and queries follow one rule', () => {
  it('GET /api/runs?plan=../../<container>/<blob> is refused before any blob is read', async () => {
    // A blob in another container, shaped like a plan summary: the traversal used to read it.
    const other = blobs.getContainerClient('probe-target');
    await other.createIfNotExists();
    const text = JSON.stringify({
      plan: 'x',
      recent: [{ runId: 'leaked-run', requestedAt: '2026-01-01T00:00:00Z' }],
    });
    await other.getBlockBlobClient('secret.json').upload(text, Buffer.byteLength(text));

    for (const probe of ['../../probe-target/secret', '../../probe-target/absent']) {
      const r = await answer(await host.fetch(`/api/runs?plan=${encodeURIComponent(probe)}`));
      expect(r.status, probe).toBe(400);
      expect(r.body.error).toEqual({
        code: 'InvalidInput',
        message: expect.stringMatching(/^plan: must be 1-\d+ letters, digits/) as unknown,
      });
      expect(JSON.stringify(r.body)).not.toContain('leaked-run');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it.each([
    ['/api/runs/%00', 'instanceId'],
    ['/api/restores/%00', 'instanceId'],
    ['/api/runs/%00/report', 'runId'],
    ['/api/runs/..%2F..%2Fprobe-target/report.html', 'runId'],
    ['/api/runs/a%0Ab/report.html', 'runId'],
  ])('%s answers 400 naming %s', async (route, field) => {
    const r = await answer(await host.fetch(route));
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('InvalidInput');
    expect(r.body.error?.message).toMatch(new RegExp(`^${field}: must be `));
  });
});

describe('HTML answers', () => {
  it('report.html carries the CSP (frame-ancestors none) and nosniff', async () => {
    const runId = 'contoso-dr-drill-20260302T080000Z-abc123';
    const container = blobs.getContainerClient(PLANS_CONTAINER);
    await container.createIfNotExists();
    const put = (name: string, body: string) =>
      container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
    await put(planPaths.runIndex(runId), JSON.stringify({ runId, plan: 'contoso-dr' }));
    await put(planPaths.reportHtml('contoso-dr', runId), '<!doctype html><title>report</title><p>ok</p>');

    const res = await host.fetch(`/api/runs/${runId}/report.html`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<p>ok</p>');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
