import { ActionType, type Action } from './history';
import type { Scheduled } from './instance';

/** DurableTask.Core's replay checks on the actions an episode returns. */

/** Actions the local host refuses, with why (the orchestration fails with this message). */
export const UNSUPPORTED_ACTIONS: Readonly<Record<number, string>> = {
  [ActionType.CallEntity]:
    'the local host does not support durable entities (callEntity); run this on the real Functions host',
  [ActionType.SignalEntity]:
    'the local host does not support durable entities (signalEntity); run this on the real Functions host',
  [ActionType.LockEntities]:
    'the local host does not support durable entities (lock); run this on the real Functions host',
  [ActionType.ReleaseEntities]:
    'the local host does not support durable entities (lock release); run this on the real Functions host',
  [ActionType.CallHttp]:
    'the local host does not support callHttp; call the endpoint from an activity instead',
};

const KIND_CLASS: Record<Scheduled['kind'], string> = {
  activity: 'ScheduleTaskOrchestratorAction',
  timer: 'CreateTimerOrchestratorAction',
  sub: 'CreateSubOrchestrationAction',
};

function actionKind(a: Action): Scheduled['kind'] {
  if (a.actionType === ActionType.CallActivity || a.actionType === ActionType.CallActivityWithRetry)
    return 'activity';
  if (a.actionType === ActionType.CreateTimer) return 'timer';
  return 'sub';
}

const CHANGED = 'Was a change made to the orchestrator code after this instance had already started running?';

/**
 * DurableTask.Core's replay check: per sequence number, the action kind and (case-insensitively)
 * the activity / sub-orchestration name must match what the history recorded. Inputs and fireAt
 * are not compared. Returns the NonDeterministicOrchestrationException message, if any.
 */
export function checkDeterminism(
  recorded: readonly Pick<Scheduled, 'id' | 'kind' | 'name' | 'subInstanceId'>[],
  replayed: readonly Action[],
): string | undefined {
  for (let i = 0; i < recorded.length; i++) {
    const r = recorded[i]!;
    const a = replayed[i];
    const sub = `with sequence ID ${r.id} and name '${r.name}' (version '', instance ID '${r.subInstanceId ?? ''}')`;
    if (a === undefined) {
      if (r.kind === 'activity') {
        return `A previous execution of this orchestration scheduled an activity task with sequence ID ${r.id} and name '${r.name}' (version ''), but the current replay execution hasn't (yet?) scheduled this task. ${CHANGED}`;
      }
      if (r.kind === 'timer') {
        return `A previous execution of this orchestration scheduled a timer task with sequence number ${r.id} but the current replay execution hasn't (yet?) scheduled this task. ${CHANGED}`;
      }
      return `A previous execution of this orchestration scheduled a sub-orchestration task ${sub}, but the current replay execution hasn't (yet?) scheduled this task. ${CHANGED}`;
    }
    const kind = actionKind(a);
    if (kind !== r.kind) {
      if (r.kind === 'activity') {
        return `A previous execution of this orchestration scheduled an activity task with sequence number ${r.id} named '${r.name}', but the current orchestration replay instead produced a ${KIND_CLASS[kind]} action with this sequence number. ${CHANGED}`;
      }
      if (r.kind === 'timer') {
        return `A previous execution of this orchestration scheduled a timer task with sequence number ${r.id} named but the current orchestration replay instead produced a ${KIND_CLASS[kind]} action with this sequence number. ${CHANGED}`;
      }
      return `A previous execution of this orchestration scheduled a sub-orchestration task ${sub}, but the current orchestration replay instead produced a ${KIND_CLASS[kind]} action at this sequence number. ${CHANGED}`;
    }
    const name = a.functionName ?? '';
    if (r.kind !== 'timer' && name.toLowerCase() !== r.name.toLowerCase()) {
      if (r.kind === 'activity') {
        return `A previous execution of this orchestration scheduled an activity task with sequence number ${r.id} named '${r.name}', but the current orchestration replay instead scheduled an activity task named '${name}' with this sequence number.  ${CHANGED}`;
      }
      return `A previous execution of this orchestration scheduled a sub-orchestration task ${sub}, but the current orchestration replay instead scheduled a sub-orchestration task with name ${name} at this sequence number. ${CHANGED}`;
    }
  }
  return undefined;
}
