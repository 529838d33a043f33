import { defineSection, intSetting } from '../define';
import { scheduleSetting } from './backup';

/** The status page and agent heartbeats (issue 12). */
export const statusSection = defineSection(
  'status',
  {
    LIFEBOAT_HEARTBEAT_SCHEDULE: scheduleSetting(
      '0 */5 * * * *',
      'When the agent heartbeat sends `agent.ping` to every site in LIFEBOAT_RELAY_SITES (NCRONTAB, every 5 minutes by default). A site not heard from for two intervals is red on the status page. The timer binds it by name, so the app settings must contain it.',
    ),
    LIFEBOAT_HEARTBEAT_TIMEOUT_SECONDS: intSetting(
      60,
      5,
      3600,
      'How long one heartbeat waits for the agent to pick up and answer `agent.ping` (delivery and execution each) before it is recorded as timed out. Keep it well under the heartbeat interval.',
    ),
    LIFEBOAT_HEARTBEATS_KEPT: intSetting(
      12,
      1,
      100,
      'Heartbeats kept per site (lifeboat-status/sites/<site>.json): the status page shows their round-trip times.',
    ),
    LIFEBOAT_STATUS_ALERTS_SHOWN: intSetting(10, 0, 50, 'Recent alert decisions shown on the status page.'),
  },
  (raw) => ({
    heartbeatSchedule: raw.LIFEBOAT_HEARTBEAT_SCHEDULE,
    heartbeatTimeoutSeconds: raw.LIFEBOAT_HEARTBEAT_TIMEOUT_SECONDS,
    heartbeatsKept: raw.LIFEBOAT_HEARTBEATS_KEPT,
    alertsShown: raw.LIFEBOAT_STATUS_ALERTS_SHOWN,
  }),
);
