import { boolSetting, defineSection, intSetting } from '../define';
import { scheduleSetting } from './backup';

/** Restoring an APIM backup into the standby or a drill target (issue 9). */
export const restoreSection = defineSection(
  'restore',
  {
    LIFEBOAT_RESTORE_TIMEOUT_MINUTES: intSetting(
      180,
      1,
      24 * 60,
      'A restore operation still running this long after its accepted POST ends the run timedOut (restores take 30-45 minutes and more).',
    ),
    LIFEBOAT_RESTORE_POLL_DEFAULT_SECONDS: intSetting(
      60,
      0,
      3600,
      'Wait between polls of a restore operation when the service sends no Retry-After.',
    ),
    LIFEBOAT_RESTORE_RETRY_BUDGET: intSetting(
      8,
      0,
      100,
      'How many times a 409 ServiceLocked, transient error or transitioning target is retried (backoff and jitter) in one restore run.',
    ),
    LIFEBOAT_RESTORE_RETRY_BASE_SECONDS: intSetting(
      60,
      0,
      3600,
      'First retry delay of a restore run; doubles per attempt, with jitter.',
    ),
    LIFEBOAT_RESTORE_WINDOW_MARGIN_HOURS: intSetting(
      12,
      0,
      30 * 24 - 1,
      "Safety margin taken off Azure's 30-day restore window when choosing a backup: a backup older than 30 days less this many hours is refused before any restore call (a restore begun at the window's edge still runs 30-45 minutes, and the expiry's exact reference point is not documented).",
    ),
    LIFEBOAT_RESTORE_SMOKE_CHECK: boolSetting(
      true,
      "After a verified restore, GET the target gateway's health path /status-0123456789abcdef (false: skip).",
    ),
    LIFEBOAT_RESTORE_CANARY_SCHEDULE: scheduleSetting(
      '0 0 3 * * 0',
      'When the restore canary runs (NCRONTAB, weekly by default): it restores the newest verified backup of each service with a drill target into its first drill target and records the outcome on the backup blob. The timer binds it by name, so the app settings must contain it.',
    ),
    LIFEBOAT_STANDBY_SYNC_SCHEDULE: scheduleSetting(
      '0 0 2 * * *',
      'When the standby sync runs (NCRONTAB, daily by default): it restores the newest verified backup of each protected service into its standby and verifies it, so a failover can use the standby as it is (issue 23). Off per service with `standbySync: false` in LIFEBOAT_PROTECTED_SERVICES; never while a failover owns the standby or after the standby became the active side. The timer binds it by name, so the app settings must contain it.',
    ),
  },
  (raw) => ({
    timeoutMinutes: raw.LIFEBOAT_RESTORE_TIMEOUT_MINUTES,
    pollDefaultSeconds: raw.LIFEBOAT_RESTORE_POLL_DEFAULT_SECONDS,
    retryBudget: raw.LIFEBOAT_RESTORE_RETRY_BUDGET,
    retryBaseSeconds: raw.LIFEBOAT_RESTORE_RETRY_BASE_SECONDS,
    windowMarginHours: raw.LIFEBOAT_RESTORE_WINDOW_MARGIN_HOURS,
    smokeCheck: raw.LIFEBOAT_RESTORE_SMOKE_CHECK,
    canarySchedule: raw.LIFEBOAT_RESTORE_CANARY_SCHEDULE,
    standbySyncSchedule: raw.LIFEBOAT_STANDBY_SYNC_SCHEDULE,
  }),
);
