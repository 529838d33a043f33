import { defineSection, intSetting } from '../define';

/** Monitoring alerts that start failover plans (issue 11). The queue name is fixed: `lifeboat-alerts`. */
export const alertsSection = defineSection(
  'alerts',
  {
    LIFEBOAT_ALERTS_MAX_PAYLOAD_KB: intSetting(
      1024,
      64,
      4096,
      'Largest alert body `POST /api/alerts` accepts (413 above). Log alerts carrying search results reach about 256 KB; bodies over about 48 KB go to a blob and the queue message carries a reference.',
    ),
    LIFEBOAT_ALERTS_EVIDENCE_KB: intSetting(
      16,
      1,
      256,
      "How much of an alert's `alertContext` is kept as evidence (JSON, cut at this size). It is never used to decide.",
    ),
    LIFEBOAT_ALERTS_LIST_MAX_DAYS: intSetting(
      90,
      1,
      3650,
      '`GET /api/alerts?since=` looks back at most this many days (400 naming `since` beyond).',
    ),
    LIFEBOAT_ALERT_RETENTION_DAYS: intSetting(
      90,
      1,
      3650,
      'How long alert records (decisions, dedupe records, evidence, payloads, attached alerts) are kept: a Blob lifecycle rule on the `lifeboat-alerts` container deletes them this many days after their last change (infra `alertRetentionDays`). `GET /api/alerts?since=` looks back no further.',
    ),
  },
  (raw) => ({
    retentionDays: raw.LIFEBOAT_ALERT_RETENTION_DAYS,
    maxPayloadBytes: raw.LIFEBOAT_ALERTS_MAX_PAYLOAD_KB * 1024,
    evidenceMaxBytes: raw.LIFEBOAT_ALERTS_EVIDENCE_KB * 1024,
    // Records older than the retention are gone: listing further back finds nothing.
    listMaxDays: Math.min(raw.LIFEBOAT_ALERTS_LIST_MAX_DAYS, raw.LIFEBOAT_ALERT_RETENTION_DAYS),
  }),
);
