import * as df from 'durable-functions';
import { queue } from '../kit';
import { ALERTS_QUEUE, alerts } from '../names/alerts';
import { plans } from '../names/plans';

/**
 * Alerts from the `lifeboat-alerts` queue (issue 11): written by `POST /api/alerts`, and a public
 * entry for Event Grid subscriptions, Logic Apps and scripts (base64-encoded, as host.json's
 * `messageEncoding` says; a plain-text message is poisoned by the host without running this).
 * Accepts a common-schema alert, the same in an Event Grid event (single or array) or a
 * CloudEvents 1.0 envelope, or the intake's blob reference. Each alert is deduplicated (alertId +
 * monitorCondition), matched to plans by their triggers, and decided: a Fired alert starts the
 * plan's failover or is attached to the one pending or running; a Resolved alert cancels a
 * failover still waiting for approval that its rule started. Every decision is recorded. A
 * message that is not an alert is recorded as `rejected` with the reason and completed; storage
 * and durable-client failures throw (the host retries).
 */
queue(alerts.alertQueue, {
  queueName: ALERTS_QUEUE,
  connection: 'AzureWebJobsStorage',
  extraInputs: [df.input.durableClient()],
  parse: async (message) => {
    const { parseAlertMessage } = await import('../../shared/alerts/parse');
    const { throwRejection } = await import('../../shared/alerts/handle');
    const { alertSettings } = await import('../../shared/alerts/deps');
    const parsed = parseAlertMessage(message, { evidenceMaxBytes: alertSettings().evidenceMaxBytes });
    if (parsed.kind === 'rejected') throwRejection(parsed);
    return parsed;
  },
  handler: async (message, context) => {
    const { alertDeps, alertSettings } = await import('../../shared/alerts/deps');
    const { handleAlertMessage } = await import('../../shared/alerts/handle');
    const deps = await alertDeps(df.getClient(context), plans.planRun.name);
    const decisions = await handleAlertMessage(deps, message, deliveryOf(context), {
      evidenceMaxBytes: alertSettings().evidenceMaxBytes,
    });
    for (const d of decisions) {
      const line = JSON.stringify({ event: 'lifeboat.alerts.decision', ...d });
      if (d.decision === 'started' || d.decision === 'attached' || d.decision === 'cancelledPending')
        context.log(line);
      else if (d.decision === 'refused' || d.decision === 'rejected') context.warn(line);
      else context.log(line);
    }
  },
  reject: async (message, reason, context) => {
    const { alertStore } = await import('../../shared/alerts/storage');
    const { rejectedDecision } = await import('../../shared/alerts/handle');
    const alertId = (message as { data?: { essentials?: { alertId?: unknown } } } | null)?.data?.essentials
      ?.alertId;
    const store = await alertStore();
    await store.record(
      rejectedDecision(
        reason,
        typeof alertId === 'string' ? alertId.slice(0, 1024) : undefined,
        deliveryOf(context),
        new Date(),
      ),
    );
  },
});

/** The queue delivery, from the trigger metadata. */
function deliveryOf(context: { triggerMetadata?: Record<string, unknown> }): {
  messageId?: string;
  dequeueCount?: number;
  insertedAt?: string;
} {
  const m = context.triggerMetadata ?? {};
  const inserted = m['insertionTime'];
  return {
    ...(typeof m['id'] === 'string' ? { messageId: m['id'] } : {}),
    ...(typeof m['dequeueCount'] === 'number' ? { dequeueCount: m['dequeueCount'] } : {}),
    ...(typeof inserted === 'string'
      ? { insertedAt: new Date(inserted).toISOString() }
      : inserted instanceof Date
        ? { insertedAt: inserted.toISOString() }
        : {}),
  };
}
