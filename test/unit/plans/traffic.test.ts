import { describe, expect, it } from 'vitest';
import { planSchema, type PlanStep } from '../../../shared/plans/plan';
import {
  cleanupsFor,
  groupStarted,
  initialReport,
  stepEnded,
  trafficPutBackNeeded,
} from '../../../shared/plans/run';
import { stepWork, trafficCleanupResult, trafficVerdict } from '../../../shared/plans/steps';
import type { TrafficSwitchResult } from '../../../shared/traffic/contracts';
import { at, runInput, when } from './helpers';

const PROFILE =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-edge/providers/Microsoft.Cdn/profiles/afd';

const plan = planSchema.parse({
  name: 'edge',
  description: 'traffic',
  rtoMinutes: 60,
  rpoMinutes: 60,
  approval: 'auto',
  groups: [
    {
      name: 'Traffic',
      steps: [
        {
          id: 'traffic',
          kind: 'traffic.switch',
          timeoutMinutes: 20,
          params: {
            provider: 'frontDoor',
            profile: PROFILE,
            originGroup: 'apim',
            primary: 'primary',
            standby: 'standby',
          },
        },
      ],
    },
  ],
});
const step = plan.groups[0]!.steps[0]! as Extract<PlanStep, { kind: 'traffic.switch' }>;
const ctx = {
  services: [],
  sites: [],
  restore: {} as never,
  traffic: { pollSeconds: 10, applyTimeoutMinutes: 30 },
};

describe('traffic.switch in a plan', () => {
  it('runs the switch in a failover and the read-only check in a drill, bounded by the step timeout', () => {
    expect(stepWork(step, 'failover', ctx)).toEqual({
      kind: 'traffic',
      action: 'failover',
      target: step.params,
      pollMs: 10_000,
      applyTimeoutMs: 20 * 60_000,
    });
    expect(stepWork(step, 'drill', ctx)).toMatchObject({ kind: 'traffic', action: 'drill' });
  });

  it('registers putting the routing back in a failover only (a drill changes nothing)', () => {
    expect(cleanupsFor(step, 'failover', when(0))).toEqual([
      expect.objectContaining({ id: 'traffic:traffic', action: { kind: 'traffic', target: step.params } }),
    ]);
    expect(cleanupsFor(step, 'drill', when(0))).toEqual([]);
  });

  it('puts back after a failure or a cancel, never after a failover that succeeded', () => {
    const input = runInput({ plan, mode: 'failover' });
    const running = groupStarted(initialReport(input, when(0)), plan, 0, when(0));
    const ended = (outcome: 'succeeded' | 'failed') =>
      stepEnded(running, {
        type: 'stepEnded',
        stepId: 'traffic',
        outcome,
        summary: '',
        evidence: {},
        startedAt: at(0),
        endedAt: at(5),
      }).report;
    expect(trafficPutBackNeeded(ended('succeeded'))).toBe(false);
    expect(trafficPutBackNeeded(ended('failed'))).toBe(true);
    expect(trafficPutBackNeeded({ ...ended('succeeded'), state: 'cancelled' })).toBe(true);
    // A cancel is carried out as 'cancelling' until the cleanups (this one among them) end.
    expect(trafficPutBackNeeded({ ...ended('succeeded'), state: 'cancelling' })).toBe(true);
  });

  const snapshot = (primary: boolean) => ({
    provider: 'frontDoor' as const,
    profile: PROFILE,
    group: 'apim',
    readAt: at(0),
    entries: [
      { name: 'primary', enabled: primary, priority: 1 },
      { name: 'standby', enabled: !primary, priority: primary ? 2 : 1 },
    ],
  });
  const result: TrafficSwitchResult = {
    outcome: 'succeeded',
    action: 'failover',
    target: step.params,
    before: snapshot(true),
    after: snapshot(false),
    changes: [{ entry: 'standby', enabled: true, priority: 1 }],
    findings: [],
    health: { ok: true, httpStatus: 200, url: 'https://127.0.0.1:1/status-0123456789abcdef' },
    polls: 3,
  };

  it('reports before and after', () => {
    expect(trafficVerdict(result, 'failover')).toMatchObject({
      outcome: 'succeeded',
      summary: 'traffic on afd moved to standby, gateway healthy',
      evidence: {
        before: 'primary: enabled, priority 1; standby: disabled, priority 2',
        after: 'primary: disabled, priority 1; standby: enabled, priority 1',
        gatewayCheck: 'passed',
      },
    });
  });

  it('a put-back that failed fails the cleanup (and so the run)', () => {
    expect(trafficCleanupResult(undefined)).toMatchObject({
      outcome: 'succeeded',
      detail: expect.stringContaining('not needed') as unknown,
    });
    expect(
      trafficCleanupResult({
        ...result,
        action: 'putBack',
        outcome: 'timedOut',
        error: { code: 'NotApplied', message: 'late' },
      }),
    ).toMatchObject({
      outcome: 'failed',
      error: { code: 'CleanupFailed' },
    });
  });
});
