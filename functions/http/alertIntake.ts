import { httpError, route } from '../kit';
import { ALERTS_QUEUE, alerts } from '../names/alerts';

/**
 * `POST /api/alerts` (function key): the target of an action group's Azure Function or webhook
 * receiver with the common alert schema (recovery.md, "Azure Monitor alerts"). Checks size and
 * shape (400 naming the field; 413 over LIFEBOAT_ALERTS_MAX_PAYLOAD_KB), puts the alert on the
 * `lifeboat-alerts` queue base64-encoded as the trigger expects (a payload over about 48 KB goes
 * to a blob, the message carries a reference) and answers 202 without deciding anything: the
 * queue trigger dedupes, matches and starts. Retried deliveries are safe: the trigger sees the
 * same alertId and condition and records a duplicate; a stored payload's name is its hash.
 */
route(alerts.alertIntake, {
  route: 'alerts',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (request, context) => {
    const { getConfig } = await import('../../shared/config');
    const { decideIntake, blobRefMessage, encodeForQueue } = await import('../../shared/alerts/intake');
    const { alertStore, alertQueueClient } = await import('../../shared/alerts/storage');
    const config = getConfig().alerts;
    const receivedAt = new Date();
    const decided = decideIntake(await request.text(), {
      maxPayloadBytes: config.maxPayloadBytes,
      evidenceMaxBytes: config.evidenceMaxBytes,
    });
    if (decided.kind === 'refused') throw httpError(decided.status, decided.code, decided.message);
    let text = decided.inline;
    let via: 'inline' | 'blob' = 'inline';
    if (text === undefined) {
      const store = await alertStore();
      const stored = await store.writePayload(decided.blobText ?? '', receivedAt);
      text = JSON.stringify(blobRefMessage(stored.blob, stored.bytes, receivedAt, decided.alerts[0]!));
      via = 'blob';
    }
    const queue = await alertQueueClient(ALERTS_QUEUE);
    await ensureQueue(queue);
    await queue.sendMessage(encodeForQueue(text));
    context.log(
      JSON.stringify({
        event: 'lifeboat.alerts.intake',
        via,
        alerts: decided.alerts.map((a) => ({
          alertId: a.alertId,
          monitorCondition: a.monitorCondition,
          rule: a.rule,
        })),
      }),
    );
    return {
      status: 202,
      jsonBody: {
        accepted: decided.alerts.length,
        alerts: decided.alerts,
        via,
        receivedAt: receivedAt.toISOString(),
        decisionsUri: `/api/alerts?since=${encodeURIComponent(receivedAt.toISOString())}`,
      },
    };
  },
});

/** The queue is created once per process (infra creates it in Azure; Azurite starts empty). */
const ensured = new WeakSet<object>();
async function ensureQueue(queue: { createIfNotExists(): Promise<unknown> }): Promise<void> {
  if (ensured.has(queue)) return;
  await queue.createIfNotExists();
  ensured.add(queue);
}
