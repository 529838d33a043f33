import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURITE_ACCOUNT_KEY } from '../../../local/azurite';
import { heartbeatTimeouts } from '../../../shared/status/heartbeatRun';
import { heartbeatInstanceId } from '../../../shared/status/heartbeats';
import { metricAlert } from '../../fixtures/alerts';
import { startStatusWorld, type StatusWorld } from './helpers';
import { as } from '../../helpers/people';

/**
 * No secret anywhere (issue 12): every secret setting holds a distinctive canary, the app runs a
 * backup, a restore, an on-premises drill (Lync conference restore through the relay and a real
 * agent) and heartbeats, and no canary appears in the logs, orchestration histories, custom
 * statuses, outputs, reports, the status page (JSON and HTML) or the status records.
 *
 * The canaries are real secrets that work: the signing key and the agent key are Ed25519 seeds
 * spelled out in ASCII (the agent verifies commands signed with the first, the app results signed
 * with the second), the access key is what APIM is handed. The storage account key of the
 * connection strings cannot be chosen (Azurite's is fixed), so the test looks for that key instead.
 * A plan drill and an approved failover (restore into the standby, Lync conference restore at the
 * site) run through the plan routes, and an alert goes through the intake.
 */
const ascii = (text: string) => Buffer.from(text, 'ascii').toString('base64');
const SIGNING_SEED = 'LIFEBOAT-CANARY-SIGNING-KEY-0001';
const AGENT_SEED = 'LIFEBOAT-CANARY-AGENT-KEY--00003';
const ACCESS_KEY = ascii('LIFEBOAT-CANARY-ACCESS-KEY-0002');
/** What must appear nowhere: each canary in every form it is held in. */
const CANARIES: Record<string, string> = {
  'signing key (base64 seed)': ascii(SIGNING_SEED),
  'signing key (text)': SIGNING_SEED,
  'agent key (base64 seed)': ascii(AGENT_SEED),
  'agent key (text)': AGENT_SEED,
  'access key': ACCESS_KEY,
  'access key (text)': 'LIFEBOAT-CANARY-ACCESS-KEY-0002',
  'storage account key': AZURITE_ACCOUNT_KEY,
};

let w: StatusWorld;
const seen: { where: string; text: string }[] = [];

function look(where: string, value: unknown): void {
  seen.push({ where, text: typeof value === 'string' ? value : JSON.stringify(value) });
}

beforeAll(async () => {
  w = await startStatusWorld({
    services: [
      { name: 'canary-apim', sku: { name: 'Developer' }, location: 'West Europe' },
      { name: 'canary-apim-standby', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'canary-apim-drill', sku: { name: 'Developer' }, location: 'North Europe' },
    ],
    protect: [
      { service: 'canary-apim', standby: 'canary-apim-standby', drillTargets: ['canary-apim-drill'] },
    ],
    sites: ['dc1'],
    plans: {
      'canary-dr': {
        name: 'canary-dr',
        description: 'Canary plan',
        rtoMinutes: 240,
        rpoMinutes: 1440,
        approval: 'required',
        groups: [
          {
            name: 'API Management',
            steps: [
              { id: 'apim', kind: 'apim.restore', timeoutMinutes: 90, params: { service: 'canary-apim' } },
            ],
          },
          {
            name: 'Conferencing',
            steps: [
              {
                id: 'lync',
                kind: 'lync.conferenceRestore',
                timeoutMinutes: 120,
                params: { site: 'dc1', poolFqdn: 'pool2.contoso.local', lostPoolFqdn: 'pool1.contoso.local' },
              },
            ],
          },
        ],
      },
    },
    signingKey: ascii(SIGNING_SEED),
    agentKeys: { dc1: ascii(AGENT_SEED) },
    settings: { LIFEBOAT_BACKUP_ACCESS_TYPE: 'AccessKey', LIFEBOAT_BACKUP_ACCESS_KEY: ACCESS_KEY },
  });
  await w.startAgent('dc1');
  const post = async (p: string, body: unknown, signIn: Record<string, string> = {}) => {
    const res = await w.host.fetch(p, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...signIn },
    });
    const text = await res.text();
    look(`POST ${p}`, text);
    return JSON.parse(text) as { instanceId?: string };
  };

  // A backup (the access key goes to APIM), a restore of it into the drill target.
  await post('/api/backups', { services: ['canary-apim'] });
  expect((await w.waitFor('backup-canary-apim')).output).toMatchObject({ outcome: 'succeeded' });
  const restore = await post('/api/restores', {
    service: 'canary-apim',
    target: 'canary-apim-drill',
    mode: 'drill',
  });
  expect((await w.waitFor(restore.instanceId!)).output).toMatchObject({ outcome: 'succeeded' });
  // An on-premises drill through the relay (commands signed with the canary key, results signed
  // with the agent's), and a heartbeat.
  const drill = await post('/api/onprem/lync-restore', {
    site: 'dc1',
    poolFqdn: 'pool2.contoso.local',
    lostPoolFqdn: 'pool1.contoso.local',
    mode: 'drill',
  });
  const drillEnd = await w.waitFor(drill.instanceId!, { advance: 'unlessAwaitingAgent', timeoutMs: 60_000 });
  expect(drillEnd.runtimeStatus).toBe('Completed');
  await w.host.startOrchestration(
    'agentHeartbeatSite',
    { site: 'dc1', timeouts: heartbeatTimeouts(30) },
    heartbeatInstanceId('dc1'),
  );
  expect((await w.waitFor('heartbeat-dc1', { advance: false, timeoutMs: 30_000 })).output).toMatchObject({
    outcome: 'succeeded',
  });

  // A plan drill, then a failover approved by a second person.
  const planDrill = (await post('/api/drills', { plan: 'canary-dr' }, as(w, 'olivia'))) as { runId?: string };
  const drillRun = await w.waitFor(planDrill.runId!, { advance: 'unlessAwaitingAgent', timeoutMs: 90_000 });
  expect(drillRun.output).toMatchObject({ outcome: 'succeeded' });
  const failover = (await post(
    '/api/failovers',
    { plan: 'canary-dr', reason: 'canary' },
    as(w, 'olivia'),
  )) as {
    runId?: string;
  };
  await w.host.host.work.idle();
  await post(`/api/failovers/${failover.runId!}/approve`, {}, as(w, 'alex'));
  const failoverRun = await w.waitFor(failover.runId!, { advance: 'unlessAwaitingAgent', timeoutMs: 90_000 });
  expect(failoverRun.output).toMatchObject({ outcome: 'succeeded' });
  for (const runId of [planDrill.runId!, failover.runId!])
    for (const p of [`/api/runs/${runId}`, `/api/runs/${runId}/report`, `/api/runs/${runId}/report.html`])
      look(`GET ${p}`, await (await w.host.fetch(p)).text());

  // An alert through the intake (it matches no plan: recorded and ignored).
  await post('/api/alerts', metricAlert({ rule: 'canary-unmatched', targets: [w.ids['canary-apim']!] }));
  let decided = false;
  for (let i = 0; i < 400 && !decided; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const listed = await (await w.host.fetch('/api/alerts')).text();
    decided = listed.includes('canary-unmatched');
  }
  expect(decided).toBe(true);

  // Everything an operator, an auditor or a log reader can see.
  for (const p of [
    '/api/status',
    '/api/status.html',
    '/api/backups',
    `/api/restores/${restore.instanceId!}`,
    `/api/runs/${drill.instanceId!}`,
    '/api/health',
    '/api/alerts',
  ])
    look(`GET ${p}`, await (await w.host.fetch(p)).text());
  for (const s of w.host.host.durable.list({})) {
    const full = w.host.getStatus(s.instanceId);
    look(`status of ${s.instanceId} (input, output, custom status)`, full);
    look(`history of ${s.instanceId}`, w.host.getHistory(s.instanceId));
  }
  const records = w.blobs.getContainerClient('lifeboat-status');
  look(
    'heartbeat record',
    (await records.getBlobClient('sites/dc1.json').downloadToBuffer()).toString('utf8'),
  );
  look('logs', w.lines.join('\n'));
}, 240_000);
afterAll(async () => {
  await w?.stop();
});

describe('no secret anywhere', () => {
  it('looked at real output: every kind of place, with runs that used the secrets', () => {
    const where = seen.map((s) => s.where);
    expect(where.filter((x) => x.startsWith('history of')).length).toBeGreaterThanOrEqual(5);
    expect(seen.find((s) => s.where === 'logs')?.text).toMatch(/lifeboat\.relay\.command.*"outcome"/);
    expect(seen.find((s) => s.where === 'GET /api/status.html')?.text).toContain('Site dc1');
    expect(seen.find((s) => s.where === 'GET /api/status')?.text).toContain('"agentId":"agent-dc1"');
    expect(where.filter((x) => x.endsWith('/report.html'))).toHaveLength(2);
    expect(seen.find((s) => s.where === 'GET /api/alerts')?.text).toContain('canary-unmatched');
    expect(seen.find((s) => s.where === 'GET /api/status')?.text).toContain('"plan":"canary-dr"');
  });

  it.each(Object.entries(CANARIES))('the %s appears nowhere', (_name, canary) => {
    const found = seen.filter((s) => s.text.includes(canary)).map((s) => s.where);
    expect(found).toEqual([]);
  });
});
