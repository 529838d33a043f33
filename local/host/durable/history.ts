/**
 * History events and actions in the shapes the Durable extension exchanges with the JS SDK
 * (docs/reference/local-functions-host.md §2).
 */

/** DurableTask.Core EventType numbers. */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

/** The name of an event type number (for the HTTP API's history view). */
export function eventTypeName(type: number): string {
  return Object.entries(EventType).find(([, v]) => v === type)?.[0] ?? String(type);
}

/** A history event: PascalCase, numeric EventType, as the extension sends it. */
export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  /** ISO 8601. */
  Timestamp: string;
  [field: string]: unknown;
}

/** SDK action type numbers (ActionType.js). */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

/** An action as serialised by the SDK (one of the shapes above; only the fields the host reads). */
export interface Action {
  actionType: number;
  functionName?: string;
  /** CallSubOrchestrator(WithRetry): the version passed to callSubOrchestrator, if any. */
  version?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  retryOptions?: RetryOptionsWire;
  compoundActions?: Action[];
}

/** RetryOptions as the SDK serialises them. */
export interface RetryOptionsWire {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/** The orchestrator wrapper's output (schema V2+). */
export interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion: number;
}

/** Flattens compound actions (Task.all / Task.any) into leaves, in the SDK's numbering order. */
export function flattenActions(actions: readonly Action[]): Action[] {
  const out: Action[] = [];
  const walk = (list: readonly Action[]) => {
    for (const a of list) {
      if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny)
        walk(a.compoundActions ?? []);
      else out.push(a);
    }
  };
  walk(actions);
  return out;
}

/**
 * Activity/sub-orchestration input as the extension stores it: the SDK pre-stringifies string
 * inputs (`"x"` → `"\"x\""`), so a string is already JSON text; anything else is serialised.
 */
export function actionInputToJson(input: unknown): string | null {
  if (input === undefined) return null;
  if (typeof input === 'string') return input;
  return JSON.stringify(input);
}

/** Formats a time as the extension's status API does (ISO 8601, UTC, no milliseconds). */
export function formatStatusTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
