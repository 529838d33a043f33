import { describe, expect, it } from 'vitest';
import { buildStatus, type StatusInputs } from '../../../shared/status/model';
import { renderStatusHtml } from '../../../shared/status/html';
import { failedOverHeadline, standbyStatus, type StandbyInput } from '../../../shared/status/standby';
import { withActiveSide, withSync } from '../../../shared/standby/record';

/** The standby on the status page (issue 23): its recovery point against the plan's RPO, and the headline once failed over. */
const NOW = new Date('2026-03-01T12:00:00Z');

const synced = withSync(undefined, 'contoso', {
  instanceId: 'restore-contoso-standby-1-sync-x',
  syncRunId: 'standby-sync',
  outcome: 'succeeded',
  verified: true,
  backup: { name: 'contoso/contoso-20260301T080000Z.apimbackup', takenAt: '2026-03-01T08:00:00.000Z' },
  at: '2026-03-01T09:00:00.000Z',
});
const standby = (over: Partial<StandbyInput> = {}): StandbyInput => ({
  serviceName: 'contoso',
  standbyName: 'contoso-standby',
  syncEnabled: true,
  record: synced,
  planRpo: { plan: 'dr', minutes: 360 },
  ...over,
});

function inputs(over: Partial<StatusInputs> = {}): StatusInputs {
  return {
    now: NOW,
    baseUrl: 'https://lifeboat.example',
    services: [],
    sites: [{ site: 'dc1', heartbeats: undefined, inFlight: 0, queueDepth: 0, poisonCount: null }],
    heartbeatIntervalMs: 5 * 60_000,
    plans: undefined,
    alerts: undefined,
    alertsShown: 10,
    resultsPoisonCount: null,
    problems: [],
    ...over,
  };
}

describe('the standby on the status page', () => {
  it("is warm within the plan's RPO, amber past it, amber when never synced", () => {
    expect(standbyStatus(standby(), NOW)).toMatchObject({
      colour: 'green',
      state: 'current',
      recoveryPointAgeMinutes: 240,
      rpoMinutes: 360,
      plan: 'dr',
    });
    const stale = standbyStatus(standby({ planRpo: { plan: 'dr', minutes: 60 } }), NOW);
    expect(stale).toMatchObject({ colour: 'amber', state: 'stale' });
    expect(stale.reason).toContain('240 min old against the RPO of 60 min (plan dr)');
    expect(standbyStatus(standby({ record: undefined }), NOW)).toMatchObject({
      colour: 'amber',
      state: 'never',
    });
  });

  it('the headline says since when and by which run production runs on the standby', () => {
    const over = withActiveSide(synced, 'contoso', {
      side: 'standby',
      runId: 'dr-20260301-ab12',
      mode: 'failover',
      since: '2026-03-01T10:30:00.000Z',
    });
    const line = standbyStatus(standby({ record: over }), NOW);
    expect(line).toMatchObject({ activeSide: 'standby', failedOver: { runId: 'dr-20260301-ab12' } });
    expect(failedOverHeadline([line])).toBe('failed over since 2026-03-01 10:30 UTC, run dr-20260301-ab12');

    const plain = buildStatus(inputs({ standbys: [standby()] }));
    expect(plain.canRecover.headline).not.toContain('failed over');
    const failed = buildStatus(inputs({ standbys: [standby({ record: over })] }));
    expect(failed.canRecover.headline).toContain(
      'failed over since 2026-03-01 10:30 UTC, run dr-20260301-ab12',
    );
    expect(failed.standbys?.[0]).toMatchObject({ activeSide: 'standby' });
    const html = renderStatusHtml(failed);
    expect(html).toContain('<h2>Standbys</h2>');
    expect(html).toContain('run dr-20260301-ab12');
  });

  it('leaves the report as it was when the standbys were not read', () => {
    const r = buildStatus(inputs());
    expect(r.standbys).toBeUndefined();
    expect(renderStatusHtml(r)).not.toContain('Standbys');
  });
});
