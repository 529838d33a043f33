import { startOnce, type RunStarterClient } from '../durable/start';
import { errorMessage } from '../errors';
import { backupInstanceId } from './run';

/**
 * Starting backup runs as per-service singletons, each with the one start-once check
 * (shared/durable/start.ts): a running or just-started run is skipped, not stacked.
 */

/** What happened to one service. */
export type StartOutcome =
  | { service: string; instanceId: string; started: true }
  | { service: string; instanceId: string; started: false; reason: string }
  /** The start itself failed (storage down, ...): the others are still attempted. */
  | { service: string; instanceId: string; started: false; reason: string; error: string };

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
  for (const s of services) {
    const service = s.serviceName;
    const r = await startOnce(client, name, backupInstanceId(service), inputFor(s));
    const { instanceId } = r;
    if (r.started) out.push({ service, instanceId, started: true });
    else if ('failed' in r)
      out.push({
        service,
        instanceId,
        started: false,
        reason: r.failed === 'check' ? 'status check failed' : 'start failed',
        error: errorMessage(r.error),
      });
    else
      out.push({
        service,
        instanceId,
        started: false,
        reason: r.refused
          ? `start refused: a run is ${r.runtimeStatus}`
          : `previous run is still ${r.runtimeStatus}`,
      });
  }
  return out;
}
