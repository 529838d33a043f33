import type { Clock } from '../../clock';
import type { WorkTracker } from '../idle';
import type { LoadedFunction } from '../invoke';
import type { Registry, RpcTypedData } from '../registry';
import type { CrashPoints } from './crash';
import type { TaskHubStore } from './store';
import type { Versioning } from './versioning';
import {
  EventType,
  eventTypeName,
  formatStatusTime,
  type HistoryEvent,
  type RetryOptionsWire,
} from './history';

/**
 * What the engine holds per orchestration instance, the status views the client API returns, and
 * the engine's options (see ./engine.ts for the parts of the engine).
 */

/** Runtime statuses as the status API names them. */
export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Suspended';

/** Statuses in which an instance still runs (events are delivered, it can be terminated). */
export const RUNNING_STATES: ReadonlySet<RuntimeStatus> = new Set([
  'Pending',
  'Running',
  'Suspended',
  'ContinuedAsNew',
]);

/** The status JSON in the shape the extension's HTTP API returns. */
export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: unknown[];
}

/**
 * Outcome of a client operation, mapped to HTTP by the API layer. `exception` names the .NET
 * exception the real extension throws for this refusal (its HTTP API then answers with an error
 * body carrying `ExceptionMessage` and `ExceptionType`).
 */
export type ClientResult<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      code: 'notFound' | 'gone' | 'badRequest' | 'conflict' | 'invalidOperation';
      message: string;
      exception?: 'System.ArgumentException' | 'System.InvalidOperationException';
    };

/** One call with retry options: its attempts so far and the last failure. */
export interface RetryChain {
  readonly kind: 'activity' | 'sub';
  readonly name: string;
  readonly inputJson: string | null;
  readonly subInstanceId: string | undefined;
  /** For a sub-orchestration: the version it was called with (undefined: the worker's default). */
  readonly version: string | undefined;
  readonly options: RetryOptionsWire;
  readonly firstAttemptAt: number;
  attempt: number;
  lastReason: string;
  lastDetails: string;
}

/** Work an instance waits for, by sequence id. */
export type Pending =
  | { kind: 'activity'; chain: RetryChain | undefined }
  | { kind: 'sub'; childId: string; chain: RetryChain | undefined }
  | {
      kind: 'timer';
      cancel: () => void;
      fireAt: number;
      role:
        | { type: 'user'; scheduledIndex: number }
        | { type: 'long'; scheduledIndex: number; finalFireAt: number }
        | { type: 'retry'; chain: RetryChain; final: boolean };
    };

/** An action the orchestration scheduled, as the replay check compares it. */
export interface Scheduled {
  readonly id: number;
  readonly kind: 'activity' | 'timer' | 'sub';
  readonly name: string;
  readonly subInstanceId?: string;
  /** For timers: the id of the timer currently pending for this action (long timers move on). */
  timerId?: number;
}

/** An event waiting for the next episode. */
export interface InboxItem {
  readonly event: { EventType: number; EventId?: number; [field: string]: unknown };
  /** Its sequence number among the instance's messages, when the task hub is in storage. */
  seq?: number;
}

/** One orchestration instance (its current execution). */
export interface Instance {
  readonly instanceId: string;
  name: string;
  /** The orchestration version stamped at creation ('' when none); kept across continue-as-new. */
  version: string;
  /** Set while the worker's versioning refuses to run this instance (failure strategy Reject). */
  rejected: string | undefined;
  status: RuntimeStatus;
  inputJson: string | null;
  outputJson: string | null;
  customStatus: unknown;
  /**
   * Set by continue-as-new: the next episode keeps the previous execution's custom status when it
   * sets none (DurableTask.Core's `carryOverStatus`).
   */
  carryOverCustomStatus: boolean;
  createdTime: Date;
  lastUpdatedTime: Date;
  history: HistoryEvent[];
  inbox: InboxItem[];
  pending: Map<number, Pending>;
  scheduled: Scheduled[];
  nextSeq: number;
  pumping: boolean;
  /** True while an episode runs (a client operation then leaves the commit to the episode). */
  inEpisode: boolean;
  /** The last message sequence number given out (kept across restarts of the instance id). */
  messageSeq: number;
  suspended: boolean;
  parent: { instanceId: string; taskId: number } | undefined;
  /** Bumped on restart/continue-as-new/termination so late completions of old work are dropped. */
  generation: number;
}

/**
 * The durable state a restarted host takes over: the instances, their histories and inboxes.
 * Until the task hub lives in storage (issue 24, crash survival) a restart hands it over in
 * memory; what was in flight is redone as the extension redoes it after a restart: pending
 * activities run again (at-least-once), durable timers are set again, inboxes are drained.
 */
export interface DurableTaskHub {
  readonly instances: readonly Instance[];
}

/** Options for the engine. */
export interface DurableEngineOptions {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly work: WorkTracker;
  readonly functions: (name: string) => LoadedFunction | undefined;
  readonly overridableExistingInstanceStates: 'AnyState' | 'NonRunningStates';
  readonly maxConcurrentActivityFunctions: number;
  readonly log: (message: string) => void;
  /** Values of an activity's extra input bindings (a durable client), as the host binds them. */
  readonly extraInputs?: (fn: LoadedFunction) => Readonly<Record<string, RpcTypedData>>;
  /** A task hub left by a stopped engine ({@link DurableTaskHub}): its instances carry on here. */
  readonly taskHub?: DurableTaskHub;
  /** Orchestration versioning (host.json); default: none (every instance runs, version ''). */
  readonly versioning?: Versioning;
  /** Activities to deliver twice (see `DurableEngine.duplicateActivities`). */
  readonly duplicateActivities?: (name: string) => boolean;
  /**
   * Where the task hub is kept (./store.ts): with a store, each episode commits to it before its
   * work starts, and `DurableEngine.open` loads what it holds. Default: process memory only.
   */
  readonly store?: TaskHubStore;
  /** Crash points (`LIFEBOAT_LOCAL_CRASH_AT`, ./crash.ts): the host kills itself there. */
  readonly crash?: CrashPoints;
}

/** A history event as DurableTask.Core records it (not yet played). */
export function historyEvent(
  type: number,
  now: Date,
  fields: Record<string, unknown> = {},
  eventId = -1,
): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: now.toISOString(), ...fields };
}

/** Whether an instance matches a list/purge filter (created time range, runtime statuses). */
export function matches(
  i: Instance,
  f: { createdTimeFrom?: Date; createdTimeTo?: Date; runtimeStatus?: readonly string[] },
): boolean {
  if (f.createdTimeFrom && i.createdTime < f.createdTimeFrom) return false;
  if (f.createdTimeTo && i.createdTime > f.createdTimeTo) return false;
  if (
    f.runtimeStatus &&
    f.runtimeStatus.length > 0 &&
    !f.runtimeStatus.some((s) => s.toLowerCase() === i.status.toLowerCase())
  )
    return false;
  return true;
}

/** The status JSON of an instance as the extension's HTTP API returns it. */
export function toStatus(
  i: Instance,
  opts: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean },
): InstanceStatus {
  const status: InstanceStatus = {
    name: i.name,
    instanceId: i.instanceId,
    runtimeStatus: i.status,
    input: opts.showInput === false || i.inputJson === null ? null : (JSON.parse(i.inputJson) as unknown),
    customStatus: i.customStatus ?? null,
    output: i.outputJson === null ? null : (JSON.parse(i.outputJson) as unknown),
    createdTime: formatStatusTime(i.createdTime),
    lastUpdatedTime: formatStatusTime(i.lastUpdatedTime),
  };
  if (opts.showHistory) {
    status.historyEvents = i.history
      .filter(
        (e) =>
          e.EventType !== EventType.OrchestratorStarted && e.EventType !== EventType.OrchestratorCompleted,
      )
      .map((e) => {
        const { EventType: type, IsPlayed: _p, EventId: _id, Result, Input, ...rest } = e;
        const view: Record<string, unknown> = { EventType: eventTypeName(type), ...rest };
        if (opts.showHistoryOutput && Result !== undefined) view['Result'] = Result;
        if (opts.showInput !== false && Input !== undefined && type === EventType.ExecutionStarted)
          view['Input'] = Input;
        return view;
      });
  }
  return status;
}
