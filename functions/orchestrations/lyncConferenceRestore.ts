import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { CommandOutput } from '../../shared/contracts';
import {
  lyncConferenceRestoreInputSchema,
  parseRelayInput,
  type LyncConferenceRestoreResult,
  type RelaySettings,
  type RunAgentCommandInput,
  type RunAgentCommandOutcome,
} from '../../shared/relay/contracts';
import { nextPoll } from '../../shared/relay/decisions';
import { relayFunctions as names } from '../names/relay';

/**
 * Restores a Lync pool's conference content from its pair (onprem-commands.md, "Backup
 * Service"): `lync.backupSync` on the pool that holds the data, then `lync.backupStatus` polled on
 * durable timers until the module is done (SteadyState/FinalState + NormalState), failed
 * (ErrorState), or the operation timeout passes. A sub-orchestration later plans call; it returns
 * a result for every ending and never throws for an on-premises failure.
 */

type Gen<T> = Generator<Task, T, unknown>;

function* lyncConferenceRestore(context: OrchestrationContext): Gen<LyncConferenceRestoreResult> {
  const input = parseRelayInput(
    lyncConferenceRestoreInputSchema,
    context.df.getInput(),
    names.lyncConferenceRestore,
  );
  let settings: RelaySettings | undefined;
  if (input.pollMs === undefined || input.timeoutMs === undefined || input.timeouts === undefined) {
    settings = (yield context.df.callActivity(names.relaySettings)) as RelaySettings;
  }
  const pollMs = input.pollMs ?? settings?.pollMs ?? 30_000;
  const timeoutMs = input.timeoutMs ?? settings?.operationTimeoutMs ?? 4 * 3600_000;
  const timeouts = input.timeouts ?? settings?.timeouts;
  const base = { site: input.site, poolFqdn: input.poolFqdn, module: input.module };
  const command = (type: 'lync.backupSync' | 'lync.backupStatus'): RunAgentCommandInput => ({
    site: input.site,
    type,
    params: { poolFqdn: input.poolFqdn, module: input.module },
    mode: input.mode,
    ...(timeouts === undefined ? {} : { timeouts }),
  });
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + timeoutMs);

  context.df.setCustomStatus({ phase: 'syncing', ...base });
  const sync = (yield context.df.callSubOrchestrator(
    names.runAgentCommand,
    command('lync.backupSync'),
  )) as RunAgentCommandOutcome;
  if (sync.outcome !== 'succeeded' && sync.outcome !== 'alreadyDone') {
    return finish(context, {
      ...base,
      outcome: sync.outcome === 'rejected' || sync.outcome === 'timedOut' ? sync.outcome : 'failed',
      polls: 0,
      ...(sync.error ? { error: sync.error } : {}),
    });
  }

  let polls = 0;
  let lastStatus: LyncConferenceRestoreResult['lastStatus'];
  for (;;) {
    const step = nextPoll(context.df.currentUtcDateTime, pollMs, deadline);
    if (step.next === 'timedOut') {
      return finish(context, {
        ...base,
        outcome: 'timedOut',
        polls,
        ...(lastStatus ? { lastStatus } : {}),
        error: {
          code: 'timedOut',
          message: `${input.module} on ${input.poolFqdn} not done after ${Math.round(timeoutMs / 60_000)} minutes`,
        },
      });
    }
    context.df.setCustomStatus({
      phase: 'polling',
      ...base,
      polls,
      nextCheckAt: step.fireAt.toISOString(),
      ...(lastStatus ? { lastStatus } : {}),
    });
    yield context.df.createTimer(step.fireAt);
    const status = (yield context.df.callSubOrchestrator(
      names.runAgentCommand,
      command('lync.backupStatus'),
    )) as RunAgentCommandOutcome;
    polls++;
    if (status.outcome === 'rejected' || status.outcome === 'failed') {
      return finish(context, {
        ...base,
        outcome: status.outcome,
        polls,
        ...(lastStatus ? { lastStatus } : {}),
        ...(status.error ? { error: status.error } : {}),
      });
    }
    if (status.outcome === 'timedOut') continue; // the agent may be slow: keep polling until the deadline
    const out = status.output as CommandOutput<'lync.backupStatus'>;
    lastStatus = { exportStatus: out.exportStatus, importStatus: out.importStatus };
    if (out.state === 'done') return finish(context, { ...base, outcome: 'done', polls, lastStatus });
    if (out.state === 'failed') {
      return finish(context, {
        ...base,
        outcome: 'failed',
        polls,
        lastStatus,
        error: {
          code: 'ErrorState',
          message: `${input.module} on ${input.poolFqdn}: export ${out.exportStatus}, import ${out.importStatus}`,
        },
      });
    }
  }
}

function finish(
  context: OrchestrationContext,
  result: LyncConferenceRestoreResult,
): LyncConferenceRestoreResult {
  context.df.setCustomStatus({ phase: 'finished', outcome: result.outcome, polls: result.polls });
  if (!context.df.isReplaying)
    context.log(
      JSON.stringify({ event: 'lifeboat.relay.lyncRestore', instanceId: context.df.instanceId, ...result }),
    );
  return result;
}

df.app.orchestration(names.lyncConferenceRestore, lyncConferenceRestore);
