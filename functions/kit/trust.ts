import type { OrchestrationContext } from 'durable-functions';
import { telemetryLine, type TelemetryFields } from '../../shared/telemetry';

/**
 * Security events of flows (issue 20): a start or an event that did not come from Lifeboat (the
 * Durable HTTP API lets anyone with the system key start any orchestrator and raise any event).
 * One warning line `lifeboat.security.<what>` per event, written once (never on replays).
 */
export function securityEvent(context: OrchestrationContext, what: string, fields: TelemetryFields): void {
  if (context.df.isReplaying) return;
  context.warn(
    telemetryLine(`lifeboat.security.${what}`, {
      instanceId: context.df.instanceId,
      ...fields,
    }),
  );
}
