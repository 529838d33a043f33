import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteHeartbeats } from '../../../shared/status/heartbeats';
import type { StatusReport } from '../../../shared/status/model';
import { startStatusWorld, type StatusWorld } from './helpers';

/**
 * The heartbeat timer through the local host: `agentHeartbeat` fires, one `agentHeartbeatSite` per
 * configured site pings its agent through the relay, and each answer (or its absence) lands in
 * `lifeboat-status/sites/<site>.json`; the status page turns a site red after two silent intervals.
 */
let w: StatusWorld;

async function record(site: string): Promise<SiteHeartbeats> {
  const buffer = await w.blobs
    .getContainerClient('lifeboat-status')
    .getBlobClient(`sites/${site}.json`)
    .downloadToBuffer();
  return JSON.parse(buffer.toString('utf8')) as SiteHeartbeats;
}

beforeAll(async () => {
  w = await startStatusWorld({
    services: [],
    protect: [],
    sites: ['north', 'south'],
    timers: true,
    settings: { LIFEBOAT_HEARTBEAT_SCHEDULE: '0 0 0 1 1 *' },
  });
  await w.startAgent('north');
}, 60_000);
afterAll(async () => {
  await w?.stop();
});

describe('agent heartbeats', () => {
  it('ping every site and record the agent, its version and executor, and the round trip', async () => {
    await w.host.fireTimer('agentHeartbeat');
    const north = await w.waitFor('heartbeat-north', { advance: false, timeoutMs: 30_000 });
    expect(north.output).toMatchObject({ outcome: 'succeeded', site: 'north', agentId: 'agent-north' });
    const south = await w.waitFor('heartbeat-south');
    expect(south.output).toMatchObject({ outcome: 'timedOut', site: 'south' });

    const n = await record('north');
    expect(n.lastSeen).toMatchObject({ agentId: 'agent-north', executor: 'simulated' });
    expect(n.heartbeats[0]).toMatchObject({ outcome: 'succeeded', instanceId: 'heartbeat-north' });
    expect(n.heartbeats[0]?.rttMs).toBeTypeOf('number');
    expect(n.heartbeats[0]?.commandIds).toHaveLength(1);
    const s = await record('south');
    expect(s.lastSeen).toBeUndefined();
    expect(s.heartbeats[0]).toMatchObject({ outcome: 'timedOut', error: { code: 'timedOut' } });
    // One structured line per heartbeat, with its correlation ids.
    const line = w.lines.find(
      (l) => l.includes('"event":"lifeboat.status.heartbeat"') && l.includes('north'),
    );
    expect(line).toMatch(/"instanceId":"heartbeat-north".*"commandIds":\["[0-9a-f-]{36}"\]/);
  });

  it('skip a site whose previous heartbeat still runs, and keep the last ones newest first', async () => {
    await w.host.fireTimer('agentHeartbeat');
    // south waits for its agent (none): a second fire while it waits is skipped, not stacked.
    await w.host.fireTimer('agentHeartbeat');
    expect(w.lines.some((l) => l.includes('"site":"south"') && l.includes('still running'))).toBe(true);
    await w.waitFor('heartbeat-north', { advance: false });
    await w.waitFor('heartbeat-south');
    const n = await record('north');
    expect(n.heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(Date.parse(n.heartbeats[0]!.issuedAt)).toBeGreaterThanOrEqual(
      Date.parse(n.heartbeats[1]!.issuedAt),
    );
  });

  it('the status page shows the answering site green and the silent one red', async () => {
    const report = JSON.parse(await w.getText('/api/status')) as StatusReport;
    expect(report.sites.map((s) => [s.site, s.colour])).toEqual([
      ['north', 'green'],
      ['south', 'red'],
    ]);
  });
});
