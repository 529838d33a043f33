import { describe, expect, it } from 'vitest';
import {
  INLINE_MAX_BYTES,
  blobRefMessage,
  decideIntake,
  encodeForQueue,
} from '../../../shared/alerts/intake';
import { parseAlertMessage } from '../../../shared/alerts/parse';
import { cloudEvent, logSearchAlert, metricAlert } from '../../fixtures/alerts';

const MAX = 1024 * 1024;

describe('decideIntake', () => {
  it('queues a metric alert inline, minified', () => {
    const body = JSON.stringify(metricAlert(), null, 2);
    const d = decideIntake(body, { maxPayloadBytes: MAX });
    if (d.kind !== 'queue') throw new Error(d.message);
    expect(d.inline).toBe(JSON.stringify(metricAlert()));
    expect(d.blobText).toBeUndefined();
    expect(d.alerts).toEqual([
      {
        alertId: metricAlert().data.essentials.alertId,
        monitorCondition: 'Fired',
        rule: 'contoso-apim-down',
      },
    ]);
  });

  it('sends a 200 KB log alert to a blob (too large for a queue message)', () => {
    const body = JSON.stringify(logSearchAlert({ rows: 1700 }));
    expect(Buffer.byteLength(body)).toBeGreaterThan(200_000);
    const d = decideIntake(body, { maxPayloadBytes: MAX });
    if (d.kind !== 'queue') throw new Error(d.message);
    expect(d.inline).toBeUndefined();
    expect(d.blobText).toBe(body);
  });

  it('keeps what fits inline under 64 KiB once base64-encoded', () => {
    expect(Math.ceil(INLINE_MAX_BYTES / 3) * 4).toBeLessThanOrEqual(64 * 1024);
    const body = JSON.stringify(logSearchAlert({ rows: 300 }));
    const d = decideIntake(body, { maxPayloadBytes: MAX });
    if (d.kind !== 'queue') throw new Error(d.message);
    expect(Buffer.byteLength(body) <= INLINE_MAX_BYTES).toBe(d.inline !== undefined);
    if (d.inline !== undefined) expect(encodeForQueue(d.inline).length).toBeLessThanOrEqual(64 * 1024);
  });

  it('refuses an oversized body with 413, a malformed or non-alert one with 400 naming the field', () => {
    expect(
      decideIntake(JSON.stringify(logSearchAlert({ rows: 1000 })), { maxPayloadBytes: 64 * 1024 }),
    ).toMatchObject({
      status: 413,
      code: 'PayloadTooLarge',
      message: 'body: must be at most 64 KB (LIFEBOAT_ALERTS_MAX_PAYLOAD_KB)',
    });
    expect(decideIntake(JSON.stringify(metricAlert()).slice(0, 100), { maxPayloadBytes: MAX })).toMatchObject(
      {
        status: 400,
        code: 'InvalidJson',
      },
    );
    expect(decideIntake('{"schemaId":"x"}', { maxPayloadBytes: MAX })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^schemaId: must be "azureMonitorCommonAlertSchema"/),
    });
    expect(
      decideIntake(JSON.stringify([cloudEvent(metricAlert()), cloudEvent({})]), { maxPayloadBytes: MAX }),
    ).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^\[1\]\.data/),
    });
  });

  it('accepts the envelopes the queue accepts, but not a blob reference', () => {
    expect(decideIntake(JSON.stringify(cloudEvent(metricAlert())), { maxPayloadBytes: MAX }).kind).toBe(
      'queue',
    );
    const ref = blobRefMessage(`payloads/2026-01-01/${'b'.repeat(64)}.json`, 10, new Date(), {
      alertId: 'a',
      monitorCondition: 'Fired',
    });
    expect(decideIntake(JSON.stringify(ref), { maxPayloadBytes: MAX })).toMatchObject({
      status: 400,
      code: 'NotAnAlert',
    });
    // What the intake writes, the queue reads back.
    expect(parseAlertMessage(JSON.stringify(ref))).toMatchObject({ kind: 'blobRef', ref });
  });
});
