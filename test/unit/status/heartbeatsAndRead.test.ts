import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadConfig } from '../../../shared/config';
import {
  appendHeartbeat,
  heartbeatFrom,
  parseSiteHeartbeats,
  type Heartbeat,
} from '../../../shared/status/heartbeats';
import { catalogFrom, gatherStatusInputs, type StatusSources } from '../../../shared/status/read';
import { escapeHtml, renderStatusHtml } from '../../../shared/status/html';
import { buildStatus } from '../../../shared/status/model';
import { telemetryLine, emit } from '../../../shared/telemetry';

const NOW = new Date('2026-03-01T12:00:00Z');

describe('heartbeats', () => {
  it('a ping answered: round trip = result time − issue time, and the agent as it described itself', () => {
    const hb = heartbeatFrom({
      instanceId: 'heartbeat-dc1',
      issuedAt: new Date('2026-03-01T12:00:00.000Z'),
      answeredAt: new Date('2026-03-01T12:00:01.250Z'),
      outcome: {
        outcome: 'succeeded',
        commandIds: ['c1'],
        output: { agentId: 'agent-dc1', version: '1.2.3', executor: 'powershell' },
      },
    });
    expect(hb).toEqual({
      issuedAt: '2026-03-01T12:00:00.000Z',
      answeredAt: '2026-03-01T12:00:01.250Z',
      rttMs: 1250,
      outcome: 'succeeded',
      agentId: 'agent-dc1',
      version: '1.2.3',
      executor: 'powershell',
      instanceId: 'heartbeat-dc1',
      commandIds: ['c1'],
    });
  });

  it('a ping not answered records the outcome and error, no round trip', () => {
    const hb = heartbeatFrom({
      instanceId: 'h',
      issuedAt: NOW,
      answeredAt: NOW,
      outcome: { outcome: 'timedOut', commandIds: ['c'], error: { code: 'timedOut', message: 'no answer' } },
    });
    expect(hb.rttMs).toBeUndefined();
    expect(hb.answeredAt).toBeUndefined();
    expect(hb.error).toEqual({ code: 'timedOut', message: 'no answer' });
  });

  const beat = (minute: number, answered: boolean): Heartbeat => ({
    issuedAt: new Date(Date.UTC(2026, 2, 1, 12, minute)).toISOString(),
    outcome: answered ? 'succeeded' : 'timedOut',
    instanceId: `h-${minute}`,
    commandIds: [],
    ...(answered
      ? {
          answeredAt: new Date(Date.UTC(2026, 2, 1, 12, minute, 1)).toISOString(),
          rttMs: 1000,
          agentId: 'a',
          version: '1',
          executor: 'simulated',
        }
      : {}),
  });

  it('keeps the newest N, newest first, once each, and the last answer seen', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 59 }), fc.boolean()), { maxLength: 30 }),
        fc.integer({ min: 1, max: 10 }),
        (beats, keep) => {
          let record;
          for (const [m, a] of beats) {
            record = appendHeartbeat(record, 'dc1', beat(m, a), keep, NOW);
            record = appendHeartbeat(record, 'dc1', beat(m, a), keep, NOW); // delivered twice
          }
          if (record === undefined) return;
          const times = record.heartbeats.map((h) => h.issuedAt);
          expect(new Set(times).size).toBe(times.length);
          expect([...times].sort().reverse()).toEqual(times);
          expect(times.length).toBeLessThanOrEqual(keep);
          const answered = beats.filter(([, a]) => a).map(([m]) => m);
          if (answered.length > 0)
            expect(record.lastSeen?.at).toBe(
              new Date(Date.UTC(2026, 2, 1, 12, Math.max(...answered), 1)).toISOString(),
            );
          else expect(record.lastSeen).toBeUndefined();
          expect(parseSiteHeartbeats(JSON.parse(JSON.stringify(record)))).toEqual(record);
        },
      ),
    );
  });

  it('reads a foreign blob as no record', () => {
    expect(parseSiteHeartbeats({ site: 'dc1' })).toBeUndefined();
    expect(parseSiteHeartbeats('nope')).toBeUndefined();
  });
});

describe('the catalog without a listing', () => {
  const summary = {
    asOf: '2026-03-01T11:00:00.000Z',
    count: 3,
    verifiedCount: 3,
    newestVerified: {
      name: 's/s-20260301T060000Z.apimbackup',
      takenAt: '2026-03-01T06:00:00.000Z',
      sizeBytes: 5,
    },
  };
  const run = (blobName: string, takenAt: string) => ({
    runtimeStatus: 'Completed',
    output: { outcome: 'succeeded', blobName, takenAt, sizeBytes: 7 },
  });
  it('takes the summary, or the backup the last run verified when it is newer (a restore mark drops the summary)', () => {
    expect(catalogFrom(summary, undefined)).toMatchObject({
      source: 'summary',
      newestVerified: { name: summary.newestVerified.name },
    });
    expect(
      catalogFrom(summary, run('s/s-20260301T120000Z.apimbackup', '2026-03-01T12:00:00.123Z')),
    ).toMatchObject({
      source: 'lastRun',
      newestVerified: { name: 's/s-20260301T120000Z.apimbackup' },
    });
    // The same backup named with milliseconds in the run's output is the summary's.
    expect(catalogFrom(summary, run(summary.newestVerified.name, '2026-03-01T06:00:00.456Z')).source).toBe(
      'summary',
    );
    expect(catalogFrom(undefined, run('s/b', '2026-03-01T06:00:00Z')).source).toBe('lastRun');
    expect(catalogFrom(undefined, undefined)).toEqual({ source: 'none' });
  });
});

describe('gathering the inputs', () => {
  const config = loadConfig({
    LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
      {
        resourceId:
          '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/contoso',
        standbyResourceId:
          '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/contoso-standby',
      },
    ]),
    LIFEBOAT_RELAY_SITES: 'dc1',
  });
  function sources(over: Partial<StatusSources> = {}): StatusSources & { calls: string[] } {
    const calls: string[] = [];
    const rec =
      <T>(name: string, value: T) =>
      (...args: unknown[]) => {
        calls.push(`${name}(${args.join(',')})`);
        return Promise.resolve(value);
      };
    return {
      calls,
      readServiceDigest: rec('readServiceDigest', undefined),
      commandsInFlight: rec('commandsInFlight', ['dc1', 'dc1', 'dc9']),
      readAppJson: rec('readAppJson', undefined),
      queueCount: rec('queueCount', 3),
      plans: rec('plans', undefined),
      ...over,
    };
  }

  it('reads blobs by name (one status digest per service) and queue properties', async () => {
    const s = sources();
    const inputs = await gatherStatusInputs(config, s, { now: NOW, baseUrl: 'https://x' });
    // Nothing per backup, per restore or per durable instance: one digest record per service.
    expect(s.calls.filter((c) => c.includes('contoso'))).toEqual(['readServiceDigest(contoso)']);
    expect(s.calls).toEqual(
      expect.arrayContaining([
        'readAppJson(lifeboat-status,sites/dc1.json)',
        'queueCount(agent-dc1-commands)',
        'queueCount(agent-dc1-commands-poison)',
        'queueCount(agent-results-poison)',
        'readAppJson(lifeboat-alerts,recent.json)',
      ]),
    );
    expect(inputs.sites[0]).toMatchObject({ site: 'dc1', inFlight: 2, queueDepth: 3 });
    expect(inputs.heartbeatIntervalMs).toBe(5 * 60_000);
    expect(inputs.plans).toBeUndefined();
  });

  it('a read that fails is a problem with its reason, and the page still answers', async () => {
    const inputs = await gatherStatusInputs(
      config,
      sources({ queueCount: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) }),
      { now: NOW, baseUrl: '' },
    );
    expect(inputs.problems).toContain(
      'queue agent-dc1-commands could not be read (connect ECONNREFUSED 127.0.0.1:1)',
    );
    expect(inputs.sites[0]?.queueDepth).toBeNull();
    expect(buildStatus(inputs).canRecover.answer).not.toBe('yes');
  });

  it('a service without a status digest is unknown, never green nor red, and says what records it', async () => {
    const inputs = await gatherStatusInputs(config, sources(), { now: NOW, baseUrl: '' });
    const report = buildStatus(inputs);
    const contoso = report.services[0]!;
    expect(contoso.backup.colour).toBe('unknown');
    expect(contoso.lastRun.colour).toBe('unknown');
    expect(contoso.backup.reason).toMatch(/no status digest of contoso is recorded yet.*next backup run/);
    expect(report.canRecover.answer).not.toBe('yes');
  });

  it('a digest that cannot be read is unknown with the reason, and the page still answers', async () => {
    const inputs = await gatherStatusInputs(
      config,
      sources({ readServiceDigest: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) }),
      { now: NOW, baseUrl: '' },
    );
    const contoso = buildStatus(inputs).services[0]!;
    expect(contoso.backup).toMatchObject({
      colour: 'unknown',
      reason: 'the status digest of contoso could not be read (connect ECONNREFUSED 127.0.0.1:1)',
    });
    expect(inputs.problems).toContain(
      'the status digest of contoso could not be read (connect ECONNREFUSED 127.0.0.1:1)',
    );
  });
});

describe('the page', () => {
  it('escapes every text', () => {
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;',
    );
    const report = buildStatus({
      now: NOW,
      baseUrl: 'https://x',
      services: [],
      sites: [],
      heartbeatIntervalMs: 300_000,
      plans: [
        {
          plan: 'p',
          summary: {
            plan: 'p',
            lastDrill: {
              runId: '<img src=x onerror=alert(1)>',
              plan: 'p',
              mode: 'drill',
              state: 'completed',
              outcome: 'succeeded',
              percent: 100,
              requestedAt: NOW.toISOString(),
              rto: { targetMinutes: 1 },
              rpo: { targetMinutes: 1 },
              reportUri: 'javascript:alert(1)',
            },
            recent: [],
            updatedAt: '',
          },
        },
      ],
      alerts: {
        decisions: [{ alertId: '<b>', decision: 'ignored', reason: '<i>x</i>', decidedAt: '' }],
        updatedAt: '',
      },
      alertsShown: 5,
      resultsPoisonCount: null,
      problems: [],
    });
    const html = renderStatusHtml(report);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>x</i>');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('href="/api/runs/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/report.html"');
    expect(html).not.toMatch(/<script|<link|src=["']http|url\(/i);
  });
});

describe('telemetry lines', () => {
  it('event first, correlation ids under fixed names, outcome and error last, secrets redacted', () => {
    const line = telemetryLine('lifeboat.x.y', {
      error: { code: 'E', message: 'https://a.blob.core.windows.net/c?sig=SECRET123' },
      extra: 1,
      outcome: 'failed',
      site: 'dc1',
      commandIds: ['c1'],
      instanceId: 'i1',
      runId: undefined,
    });
    expect(line).toBe(
      '{"event":"lifeboat.x.y","instanceId":"i1","commandIds":["c1"],"site":"dc1","extra":1,"outcome":"failed","error":{"code":"E","message":"https://a.blob.core.windows.net/c?sig=***"}}',
    );
  });
  it('writes at the level the outcome implies', () => {
    const out: string[] = [];
    const sink = {
      log: (m: string) => out.push(`log ${m}`),
      warn: (m: string) => out.push(`warn ${m}`),
      error: (m: string) => out.push(`error ${m}`),
    };
    emit(sink, 'a');
    emit(sink, 'b', { outcome: 'timedOut' });
    emit(sink, 'c', { outcome: 'failed' });
    expect(out.map((l) => l.split(' ')[0])).toEqual(['log', 'warn', 'error']);
  });
});
