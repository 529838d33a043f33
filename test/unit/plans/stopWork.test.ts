import { describe, expect, it } from 'vitest';
import {
  createdChildren,
  describeFlow,
  stopFlowTree,
  timedOutVerdict,
  type FlowTreeClient,
} from '../../../shared/plans/stopWork';
import { testVmCleanupResult } from '../../../shared/plans/steps';
import { samplePlan } from './helpers';

/** A task hub in memory: instances with a status, a custom status and the children they created. */
function hub(
  instances: Record<
    string,
    { name: string; status: string; custom?: unknown; created?: string[]; failTerminate?: boolean }
  >,
) {
  const terminated: string[] = [];
  const client: FlowTreeClient = {
    getStatus(id, options) {
      const i = instances[id];
      if (i === undefined) return Promise.reject(new Error(`No instance with ID '${id}' found.`));
      return Promise.resolve({
        name: i.name,
        runtimeStatus: i.status,
        customStatus: i.custom ?? null,
        ...(options?.showHistory
          ? {
              historyEvents: (i.created ?? []).map((c) => ({
                EventType: 'SubOrchestrationInstanceCreated',
                InstanceId: c,
              })),
            }
          : {}),
      });
    },
    getStatusBy(filter) {
      return Promise.resolve(
        Object.entries(instances)
          .filter(([, i]) => filter.runtimeStatus?.includes(i.status) ?? true)
          .map(([instanceId]) => ({ instanceId })),
      );
    },
    terminate(id) {
      const i = instances[id];
      if (i?.failTerminate) return Promise.reject(new Error('storage unavailable'));
      if (i !== undefined) i.status = 'Terminated';
      terminated.push(id);
      return Promise.resolve();
    },
  };
  return { client, terminated };
}

const step = (id: string) =>
  samplePlan()
    .groups.flatMap((g) => g.steps)
    .find((s) => s.id === id)!;

describe('stopFlowTree', () => {
  it('terminates the child first, then the flows started by id under it and the sub-orchestrations they created', async () => {
    const { client, terminated } = hub({
      'r-step-vms-work': {
        name: 'vmFailback',
        status: 'Running',
        custom: { waitingFor: '2 VM(s) failing back' },
      },
      'r-step-vms-work-ab12-vm-0': { name: 'failbackVm', status: 'Running', created: ['guid-1', 'guid-0'] },
      'r-step-vms-work-ab12-vm-1': { name: 'failbackVm', status: 'Completed' },
      'guid-0': { name: 'runAgentCommand', status: 'Completed' },
      'guid-1': {
        name: 'runAgentCommand',
        status: 'Running',
        custom: { phase: 'awaitingResult', commandId: 'c-1', type: 'hyperv.jobStatus', site: 'dc1' },
      },
      // Another run's flows: same kind, not under this child.
      'r-step-vms-workshop': { name: 'vmFailback', status: 'Running' },
      'other-step-vms-work-cd34-vm-0': { name: 'failbackVm', status: 'Running' },
    });
    const result = await stopFlowTree(client, 'r-step-vms-work', 'timed out');
    expect(terminated).toEqual(['r-step-vms-work', 'r-step-vms-work-ab12-vm-0', 'guid-1']);
    expect(result.child).toBe('terminated');
    expect(result.terminated.map((f) => f.flow)).toEqual(['vmFailback', 'failbackVm', 'runAgentCommand']);
    expect(result.terminated[0]?.wasDoing).toBe('2 VM(s) failing back');
    expect(result.terminated[2]?.command).toEqual({
      commandId: 'c-1',
      type: 'hyperv.jobStatus',
      site: 'dc1',
    });
    expect(result.failed).toEqual([]);
  });

  it('leaves a child that already ended, or never started, alone', async () => {
    const ended = hub({ 'r-step-x-work': { name: 'runAgentCommand', status: 'Completed' } });
    expect(await stopFlowTree(ended.client, 'r-step-x-work', 'timed out')).toMatchObject({
      child: 'ended',
      terminated: [],
    });
    expect(ended.terminated).toEqual([]);
    const missing = hub({});
    expect((await stopFlowTree(missing.client, 'r-step-x-work', 'timed out')).child).toBe('missing');
  });

  it('lists a flow it could not terminate, and goes on with the others', async () => {
    const { client } = hub({
      'r-step-l-work': { name: 'lyncConferenceRestore', status: 'Running' },
      'r-step-l-work:3': { name: 'runAgentCommand', status: 'Running', failTerminate: true },
    });
    const result = await stopFlowTree(client, 'r-step-l-work', 'timed out');
    expect(result.child).toBe('terminated');
    expect(result.failed).toEqual([{ instanceId: 'r-step-l-work:3', error: 'storage unavailable' }]);
  });
});

describe('what a stop reports', () => {
  it('reads created children from the status history (names or numbers as event types)', () => {
    expect(
      createdChildren([
        { EventType: 'ExecutionStarted' },
        { EventType: 'SubOrchestrationInstanceCreated', InstanceId: 'a' },
        { EventType: 7, InstanceId: 'b' },
        { EventType: 'SubOrchestrationInstanceCompleted', InstanceId: 'c' },
      ]),
    ).toEqual(['a', 'b']);
    expect(createdChildren(undefined)).toEqual([]);
    expect(describeFlow('x', 'failbackVm', { phase: 'pollingJob' })).toEqual({
      instanceId: 'x',
      flow: 'failbackVm',
      wasDoing: 'pollingJob',
    });
  });

  it('says what it terminated, which agent commands could not be cancelled, and what goes on', () => {
    const v = timedOutVerdict(step('vms'), 'failover', undefined, {
      child: 'terminated',
      terminated: [
        { instanceId: 'r-step-vms-work', flow: 'vmFailback' },
        { instanceId: 'r-step-vms-work-ab12-vm-0', flow: 'failbackVm' },
        {
          instanceId: 'g',
          flow: 'runAgentCommand',
          command: { commandId: 'c-1', type: 'hyperv.jobStatus', site: 'dc1' },
        },
      ],
      failed: [],
      truncated: false,
      commands: [{ commandId: 'c-1', type: 'hyperv.jobStatus', site: 'dc1', state: 'closed' }],
    });
    expect(v).toMatchObject({ outcome: 'timedOut', error: { code: 'StepTimedOut' } });
    expect(v.summary).toBe(
      'no result within 180 minutes; terminated vmFailback r-step-vms-work and 2 flow(s) under it; ' +
        'agent command hyperv.jobStatus (c-1) at dc1 could not be cancelled: the agent has no cancel; its record is closed, so a late result is recorded and ignored; ' +
        'Hyper-V failback jobs already started at dc1 could not be cancelled: the agent has no cancel command',
    );
    expect(v.evidence['stop']).toMatchObject({
      child: 'terminated',
      notCancelled: [expect.any(String), expect.any(String)],
    });
  });

  it('a restore that goes on in Azure is named; a stop that failed says so', () => {
    const v = timedOutVerdict(step('apim'), 'failover', 'contoso-apim-standby', {
      child: 'terminated',
      terminated: [{ instanceId: 'restore-x', flow: 'restoreApim' }],
      failed: [],
      truncated: false,
      commands: [],
    });
    expect(v.summary).toContain(
      'the API Management restore into contoso-apim-standby could not be cancelled',
    );
    const failed = timedOutVerdict(step('apim'), 'failover', undefined, { error: 'task hub unavailable' });
    expect(failed.summary).toContain('its flow could not be stopped: task hub unavailable');
    const ended = timedOutVerdict(step('lync'), 'failover', undefined, {
      child: 'ended',
      terminated: [],
      failed: [],
      truncated: false,
      commands: [],
    });
    expect(ended.summary).toBe('no result within 120 minutes; its flow had already ended');
  });
});

describe('testVmCleanupResult', () => {
  const description = 'test VM nope-99 - Test at dc1';
  it('claims nothing for a VM that is not at the site (NotFound)', () => {
    expect(
      testVmCleanupResult(
        { outcome: 'failed', error: { code: 'NotFound', message: 'VM nope-99 is not on this host' } },
        description,
        'nope-99',
      ),
    ).toEqual({
      outcome: 'succeeded',
      detail:
        'nothing to remove: nope-99 is not a replica VM at this site (NotFound), so no test VM was made from it',
    });
  });
  it('removed, already gone, or still there', () => {
    expect(
      testVmCleanupResult({ outcome: 'succeeded', output: { removed: true } }, description, 'x').detail,
    ).toBe('removed by the cleanup');
    expect(
      testVmCleanupResult({ outcome: 'succeeded', output: { removed: false } }, description, 'x').detail,
    ).toBe('already gone (the step removed it)');
    expect(
      testVmCleanupResult(
        { outcome: 'timedOut', error: { code: 'timedOut', message: 'no answer' } },
        description,
        'x',
      ),
    ).toMatchObject({
      outcome: 'failed',
      error: { code: 'CleanupFailed', message: 'test VM nope-99 - Test at dc1 still exists: no answer' },
    });
  });
});
