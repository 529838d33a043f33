import { errorMessage } from '../errors';
import { backupInstanceId } from './run';

/**
 * Starting backup runs as per-service singletons. The check-then-start has a race (two triggers at
 * once); the host closes it by refusing to start an instance id that is running (host.json
 * `overridableExistingInstanceStates: NonRunningStates`), so a refused start whose instance is
 * running counts as skipped, not failed.
 */

/** The part of the durable client this needs (structural, so shared/ does not depend on the SDK). */
export interface RunStarterClient {
  getStatus(instanceId: string): Promise<{ runtimeStatus?: string | undefined } | undefined>;
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
}

/** Runtime statuses in which a new start would stack on a running run. */
export const RUNNING_STATES: readonly string[] = ['Running', 'Pending', 'ContinuedAsNew', 'Suspended'];

/** What happened to one service. */
export type StartOutcome =
  | { service: string; instanceId: string; started: true }
  | { service: string; instanceId: string; started: false; reason: string }
  /** The start itself failed (storage down, ...): the others are still attempted. */
  | { service: string; instanceId: string; started: false; reason: string; error: string };

async function statusOf(client: RunStarterClient, instanceId: string): Promise<string | undefined> {
  try {
    return (await client.getStatus(instanceId))?.runtimeStatus;
  } catch (error) {
    // durable-functions throws on 404 (no such instance): there is nothing running.
    if (/\b404\b/.test(errorMessage(error))) return undefined;
    throw error;
  }
}

/**
 * Starts the orchestration `name` for each service unless its previous run is still going. Never
 * throws for one service: each outcome says started, skipped (running) or failed (`error`).
 */
export async function startBackupRuns<S extends { serviceName: string }>(
  client: RunStarterClient,
  name: string,
  services: readonly S[],
  inputFor: (service: S) => unknown,
): Promise<StartOutcome[]> {
  const out: StartOutcome[] = [];
  for (const service of services) {
    const instanceId = backupInstanceId(service.serviceName);
    let before: string | undefined;
    try {
      before = await statusOf(client, instanceId);
    } catch (error) {
      out.push({
        service: service.serviceName,
        instanceId,
        started: false,
        reason: 'status check failed',
        error: errorMessage(error),
      });
      continue;
    }
    if (before !== undefined && RUNNING_STATES.includes(before)) {
      out.push({
        service: service.serviceName,
        instanceId,
        started: false,
        reason: `previous run is still ${before}`,
      });
      continue;
    }
    try {
      await client.startNew(name, { instanceId, input: inputFor(service) });
      out.push({ service: service.serviceName, instanceId, started: true });
    } catch (error) {
      const now = await statusOf(client, instanceId).catch(() => undefined);
      if (now !== undefined && RUNNING_STATES.includes(now)) {
        out.push({
          service: service.serviceName,
          instanceId,
          started: false,
          reason: `start refused: a run is ${now}`,
        });
        continue;
      }
      out.push({
        service: service.serviceName,
        instanceId,
        started: false,
        reason: 'start failed',
        error: errorMessage(error),
      });
    }
  }
  return out;
}
