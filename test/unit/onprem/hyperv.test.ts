import { describe, expect, it } from 'vitest';
import { failbackNextStep, failbackRetryDelayMs, jobReadFailure } from '../../../shared/onprem/hyperv';
import type { RunAgentCommandOutcome } from '../../../shared/relay/contracts';

/** Issue 22 items 6 and 7: a vanished job reads the state; temporary codes retry with backoff. */

const initiate = (r: Partial<RunAgentCommandOutcome<'hyperv.initiateFailback'>>) =>
  ({ type: 'hyperv.initiateFailback', commandIds: [], attempts: 1, outcome: 'succeeded', ...r }) as const;

describe('failbackNextStep', () => {
  it('retries 32774 and 32777 (answered failed by the agent), stops on other failures', () => {
    for (const code of ['wmi-32774', 'wmi-32777'])
      expect(failbackNextStep(initiate({ outcome: 'failed', error: { code, message: 'm' } }))).toMatchObject({
        next: 'retry',
        error: { code },
      });
    expect(
      failbackNextStep(initiate({ outcome: 'failed', error: { code: 'wmi-32768', message: 'm' } })),
    ).toMatchObject({ next: 'stop', outcome: 'failed' });
    expect(
      failbackNextStep(initiate({ output: { returnCode: 32777, meaning: 'System is not available' } })),
    ).toMatchObject({ next: 'retry' });
  });
  it('sends InitiateFailback again when the clustered VM moved to another node (issue 22 item 9)', () => {
    expect(
      failbackNextStep(
        initiate({
          outcome: 'failed',
          error: { code: 'VmMoved', message: 'moved from node HV02 to node HV01' },
        }),
      ),
    ).toMatchObject({ next: 'retry', error: { code: 'VmMoved' } });
    expect(
      failbackNextStep(initiate({ outcome: 'refused', error: { code: 'VmMoved', message: 'm' } })),
    ).toMatchObject({
      next: 'stop',
    });
  });
  it('backs off from the poll interval, doubling, at most 10 minutes', () => {
    expect([0, 1, 2, 3, 10].map((n) => failbackRetryDelayMs(n, 30_000))).toEqual([
      30_000, 60_000, 120_000, 240_000, 600_000,
    ]);
  });
});

describe('jobReadFailure', () => {
  it('reads the replication state when the job is gone, stops on anything else', () => {
    const status = (r: Partial<RunAgentCommandOutcome<'hyperv.jobStatus'>>) =>
      ({ type: 'hyperv.jobStatus', commandIds: [], attempts: 1, outcome: 'failed', ...r }) as const;
    expect(jobReadFailure(status({ error: { code: 'NotFound', message: 'gone' } }))).toEqual({
      next: 'readState',
    });
    // Issue 22 item 9: the VM's role moved while its job ran: the state is read on the new owner.
    expect(
      jobReadFailure(status({ error: { code: 'VmMoved', message: 'moved from node HV02 to node HV01' } })),
    ).toEqual({
      next: 'readState',
    });
    expect(jobReadFailure(status({ error: { code: 'WmiFailed', message: 'rpc' } }))).toMatchObject({
      next: 'stop',
      outcome: 'failed',
      error: { code: 'WmiFailed' },
    });
    expect(jobReadFailure(status({ outcome: 'refused' }))).toMatchObject({
      next: 'stop',
      outcome: 'refused',
    });
  });
});
