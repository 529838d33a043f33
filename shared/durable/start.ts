import { errorMessage } from '../errors';

/**
 * "Start once" for singleton orchestrations (a backup run per service, a restore per target, the
 * canary, a heartbeat per site): check the instance, start it unless it runs, and when the start
 * is refused check again. The check-then-start has a race (two triggers at once); the host closes
 * it by refusing to start an instance id that is running (host.json
 * `overridableExistingInstanceStates: NonRunningStates`), so a refused start whose instance now
 * runs is a lost race (busy), not a failure.
 */

/** The part of the durable client this needs (structural, so shared/ does not depend on the SDK). */
export interface RunStarterClient {
  getStatus(instanceId: string): Promise<{ runtimeStatus?: unknown } | undefined>;
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
}

/** Runtime statuses in which a new start would stack on a running run. */
export const RUNNING_STATES: readonly string[] = ['Running', 'Pending', 'ContinuedAsNew', 'Suspended'];

/** Whether a runtime status means the instance is still running. */
export function isRunning(status: string | undefined): status is string {
  return status !== undefined && RUNNING_STATES.includes(status);
}

/** The runtime status of an instance; undefined when there is no such instance. */
export async function runtimeStatusOf(
  client: Pick<RunStarterClient, 'getStatus'>,
  instanceId: string,
): Promise<string | undefined> {
  try {
    const status = (await client.getStatus(instanceId))?.runtimeStatus;
    return typeof status === 'string' ? status : undefined;
  } catch (error) {
    // durable-functions throws on 404 (no such instance): there is nothing running.
    if (/\b404\b|No instance/.test(errorMessage(error))) return undefined;
    throw error;
  }
}

/** What {@link startOnce} did. */
export type StartOnce =
  | { started: true; instanceId: string }
  /** Not started: the instance runs (`refused`: it started between the check and this start). */
  | { started: false; instanceId: string; runtimeStatus: string; refused: boolean }
  /** The status check or the start itself failed (storage down, ...): `error` as thrown. */
  | { started: false; instanceId: string; failed: 'check' | 'start'; error: unknown };

/**
 * Starts `name` as `instanceId` unless that instance is running. Never throws: a failing status
 * check, or a start that fails while the instance is not running, is returned as `failed` with the
 * step and the error, for the caller to rethrow or report.
 */
export async function startOnce(
  client: RunStarterClient,
  name: string,
  instanceId: string,
  input: unknown,
): Promise<StartOnce> {
  let before: string | undefined;
  try {
    before = await runtimeStatusOf(client, instanceId);
  } catch (error) {
    return { started: false, instanceId, failed: 'check', error };
  }
  if (isRunning(before)) return { started: false, instanceId, runtimeStatus: before, refused: false };
  try {
    await client.startNew(name, { instanceId, input });
  } catch (error) {
    const now = await runtimeStatusOf(client, instanceId).catch(() => undefined);
    if (isRunning(now)) return { started: false, instanceId, runtimeStatus: now, refused: true };
    return { started: false, instanceId, failed: 'start', error };
  }
  return { started: true, instanceId };
}
