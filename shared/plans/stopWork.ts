import { errorMessage } from '../errors';
import { isRunning } from '../durable/start';
import type { PlanStep, RunMode } from './plan';
import type { StepVerdict } from './steps';

/**
 * What a step that timed out stops (issue 21 item 3): its child flow and every flow under it, so a
 * restore or a failback does not go on under a plan that moved on; then what it could not stop.
 *
 * Finding the flows under the child, with only the durable client (no recursive terminate in the
 * JS client): the running instances are listed once, and a flow is under the child when
 *   - its id starts with the child's id and `-` or `:` (flows started by id, e.g. vmFailback's
 *     `<id>-<run>-vm-<i>`, and the local host's automatic sub-orchestration ids), or
 *   - a flow under the child created it as a sub-orchestration (its status history keeps the
 *     `SubOrchestrationInstanceCreated` event with the `InstanceId`; the extension's automatic ids
 *     differ from the local host's, docs/reference/local-functions-host.md §5).
 * Each is terminated parent first, so no parent reacts to a child it lost. A flow found under the
 * child that is not running is left alone.
 *
 * What cannot be stopped, said plainly: the agent has no cancel command (its command set,
 * shared/contracts/commands.ts, follows docs/reference/onprem-commands.md, which documents no
 * cancel for Invoke-CsBackupServiceSync, InitiateFailback's job or New-CsPersistentChatEndpoint),
 * and API Management has no cancel for a restore. A command the agent was still answering is
 * closed, so its late result is recorded and never acted on.
 */

/** The part of the durable client this needs (structural: shared/ does not depend on the SDK). */
export interface FlowTreeClient {
  getStatus(
    instanceId: string,
    options?: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean },
  ): Promise<
    | {
        name?: unknown;
        runtimeStatus?: unknown;
        customStatus?: unknown;
        historyEvents?: unknown;
      }
    | undefined
  >;
  getStatusBy(filter: { runtimeStatus?: string[] }): Promise<{ instanceId?: unknown }[]>;
  terminate(instanceId: string, reason: string): Promise<void>;
}

/** One flow a step stopped (or found already ended). */
export interface StoppedFlow {
  instanceId: string;
  /** The orchestrator's name (`restoreApim`, `vmFailback`, `failbackVm`, `runAgentCommand`, …). */
  flow: string;
  /** What it was doing, from its custom status (`waitingFor`, else `phase`), at most 200 characters. */
  wasDoing?: string;
  /** The agent command it was waiting for (runAgentCommand), if any. */
  command?: { commandId: string; type: string; site: string };
}

/** What stopping a step's child found. */
export interface StopResult {
  /** The child itself: `terminated`, `ended` (it had ended already), `missing` (never started). */
  child: 'terminated' | 'ended' | 'missing';
  /** Every flow terminated, the child first. */
  terminated: StoppedFlow[];
  /** Flows that could not be terminated (an error from the task hub), with why. */
  failed: { instanceId: string; error: string }[];
  /** More flows than the bound were found: the rest were left running. */
  truncated: boolean;
}

/** At most this many flows are stopped for one step (a step fans out to at most 500 VMs, 50 at a time). */
export const MAX_STOPPED_FLOWS = 200;

const RUNNING = ['Running', 'Pending', 'Suspended', 'ContinuedAsNew'];

function textOf(value: unknown, max = 200): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined;
}

/** The ids a status's history says the flow created as sub-orchestrations. */
export function createdChildren(historyEvents: unknown): string[] {
  if (!Array.isArray(historyEvents)) return [];
  const ids: string[] = [];
  for (const e of historyEvents as unknown[]) {
    const event = e as { EventType?: unknown; InstanceId?: unknown } | null;
    const type = event?.EventType;
    if ((type === 'SubOrchestrationInstanceCreated' || type === 7) && typeof event?.InstanceId === 'string')
      ids.push(event.InstanceId);
  }
  return ids;
}

/** What a flow was doing and the agent command it awaited, from its name and custom status (pure). */
export function describeFlow(instanceId: string, name: unknown, customStatus: unknown): StoppedFlow {
  const status = (customStatus ?? {}) as Record<string, unknown>;
  const flow = textOf(name, 100) ?? '(unknown)';
  const wasDoing = textOf(status['waitingFor']) ?? textOf(status['phase']);
  const commandId = textOf(status['commandId'], 100);
  const awaiting = status['phase'] === 'awaitingResult' && commandId !== undefined;
  return {
    instanceId,
    flow,
    ...(wasDoing === undefined ? {} : { wasDoing }),
    ...(awaiting
      ? {
          command: {
            commandId,
            type: textOf(status['type'], 60) ?? '(unknown)',
            site: textOf(status['site'], 60) ?? '(unknown)',
          },
        }
      : {}),
  };
}

/**
 * Terminates `childId` and every running flow under it (see the file's comment), parent first.
 * Never throws for one flow that cannot be terminated (it is listed in `failed`); throws when the
 * task hub cannot be read at all (the activity is then retried by its caller's policy).
 */
export async function stopFlowTree(
  client: FlowTreeClient,
  childId: string,
  reason: string,
): Promise<StopResult> {
  const result: StopResult = { child: 'missing', terminated: [], failed: [], truncated: false };
  const root = await statusOf(client, childId);
  if (root === undefined) return result;
  if (!isRunning(typeof root.runtimeStatus === 'string' ? root.runtimeStatus : undefined)) {
    result.child = 'ended';
    return result;
  }
  const running = new Set(
    (await client.getStatusBy({ runtimeStatus: RUNNING }))
      .map((s) => s.instanceId)
      .filter((id): id is string => typeof id === 'string'),
  );
  const under = (id: string) => id.startsWith(`${childId}-`) || id.startsWith(`${childId}:`);
  const queue = [childId, ...[...running].filter(under).sort()];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (result.terminated.length >= MAX_STOPPED_FLOWS) {
      result.truncated = true;
      break;
    }
    const status = id === childId ? root : await statusOf(client, id);
    if (status === undefined) continue;
    if (!isRunning(typeof status.runtimeStatus === 'string' ? status.runtimeStatus : undefined)) continue;
    try {
      await client.terminate(id, reason);
      result.terminated.push(describeFlow(id, status.name, status.customStatus));
      if (id === childId) result.child = 'terminated';
    } catch (error) {
      result.failed.push({ instanceId: id, error: errorMessage(error).slice(0, 200) });
      continue;
    }
    // Read again once terminated: its history is final, so no child it created is missed.
    const after = await statusOf(client, id, true);
    for (const created of createdChildren(after?.historyEvents))
      if (running.has(created) && !seen.has(created)) queue.push(created);
  }
  return result;
}

async function statusOf(client: FlowTreeClient, instanceId: string, showHistory = false) {
  try {
    return await client.getStatus(instanceId, { showHistory, showInput: false });
  } catch (error) {
    // durable-functions throws on 404 (no such instance).
    if (/\b404\b|No instance/.test(errorMessage(error))) return undefined;
    throw error;
  }
}

/** What each agent command the stopped flows were waiting for became (closing its record). */
export interface ClosedCommand {
  commandId: string;
  type: string;
  site: string;
  /** `closed`: a late result is recorded and ignored; `alreadyAnswered`: the agent had answered. */
  state: 'closed' | 'alreadyAnswered' | 'unknown';
}

/** What goes on after the stop, by step kind: what no one can cancel (pure). */
export function notCancellable(step: PlanStep, mode: RunMode, target: string | undefined): string[] {
  switch (step.kind) {
    case 'apim.restore':
      return [
        `the API Management restore into ${target ?? step.params.service} could not be cancelled: API Management has no cancel for a restore, so it may still run in Azure until it ends`,
      ];
    case 'hyperv.failback':
      return mode === 'drill'
        ? [
            `test failovers already started at ${step.params.site} could not be cancelled: the agent has no cancel; the run's cleanup stops each test VM`,
          ]
        : [
            `Hyper-V failback jobs already started at ${step.params.site} could not be cancelled: the agent has no cancel command`,
          ];
    case 'lync.conferenceRestore':
      return mode === 'drill'
        ? []
        : [
            `the Backup Service sync on ${step.params.poolFqdn} could not be cancelled: the agent has no cancel (Invoke-CsBackupServiceSync has none)`,
          ];
    case 'pchat.legacyEndpoint':
      return mode === 'drill'
        ? []
        : [
            `the legacy endpoint ${step.params.sipAddress}, if the agent was creating it, could not be cancelled: the agent has no cancel`,
          ];
    case 'manual':
      return [];
    case 'traffic.switch':
      return mode === 'drill'
        ? []
        : [
            `routing changes already applied on ${step.params.profile.split('/').at(-1) ?? ''} stay until the run's put-back cleanup`,
          ];
  }
}

/**
 * The verdict of a step that timed out, with what its stop did (pure): the flows terminated, the
 * agent commands that could not be cancelled (their records closed), and what goes on regardless.
 */
export function timedOutVerdict(
  step: PlanStep,
  mode: RunMode,
  target: string | undefined,
  stop: (StopResult & { commands: ClosedCommand[] }) | { error: string },
): StepVerdict {
  const base = {
    outcome: 'timedOut' as const,
    error: {
      code: 'StepTimedOut',
      message: `${step.id}: not done after ${step.timeoutMinutes} minutes (the step's timeout)`,
    },
  };
  if ('error' in stop)
    return {
      ...base,
      summary: `no result within ${step.timeoutMinutes} minutes; its flow could not be stopped: ${stop.error}`,
      evidence: { stop: { error: stop.error } },
    };
  const stopped: string[] = [];
  const [child, ...under] = stop.terminated;
  if (stop.child === 'terminated' && child !== undefined)
    stopped.push(
      `terminated ${child.flow} ${child.instanceId}${under.length === 0 ? '' : ` and ${under.length} flow(s) under it`}`,
    );
  else if (stop.child === 'ended') stopped.push('its flow had already ended');
  const commands = stop.commands.map(
    (c) =>
      `agent command ${c.type} (${c.commandId}) at ${c.site} could not be cancelled: the agent has no cancel${
        c.state === 'closed' ? '; its record is closed, so a late result is recorded and ignored' : ''
      }`,
  );
  const goesOn = stop.child === 'terminated' ? notCancellable(step, mode, target) : [];
  const failed = stop.failed.map((f) => `could not terminate ${f.instanceId}: ${f.error}`);
  const truncated = stop.truncated
    ? [`more than ${MAX_STOPPED_FLOWS} flows: the rest were left running`]
    : [];
  return {
    ...base,
    summary: [
      `no result within ${step.timeoutMinutes} minutes`,
      ...stopped,
      ...commands,
      ...goesOn,
      ...failed,
      ...truncated,
    ].join('; '),
    evidence: {
      stop: {
        child: stop.child,
        terminated: stop.terminated,
        agentCommands: stop.commands,
        notCancelled: [...commands, ...goesOn],
        ...(stop.failed.length === 0 ? {} : { failed: stop.failed }),
        ...(stop.truncated ? { truncated: true } : {}),
      },
    },
  };
}
