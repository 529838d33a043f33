import { defineSection, intSetting } from '../define';

/** Moving traffic: the `traffic.switch` plan step (issue 23). */
export const trafficSection = defineSection(
  'traffic',
  {
    LIFEBOAT_TRAFFIC_POLL_SECONDS: intSetting(
      15,
      0,
      600,
      'How often a traffic switch reads the routing profile back while it waits for a change to be applied (Front Door: the changed origins deployed to the edge).',
    ),
    LIFEBOAT_TRAFFIC_APPLY_TIMEOUT_MINUTES: intSetting(
      30,
      1,
      24 * 60,
      'How long a traffic switch (or its put-back cleanup) waits for a change to be applied before it ends timedOut. The step timeout bounds it too.',
    ),
  },
  (raw) => ({
    pollSeconds: raw.LIFEBOAT_TRAFFIC_POLL_SECONDS,
    applyTimeoutMinutes: raw.LIFEBOAT_TRAFFIC_APPLY_TIMEOUT_MINUTES,
  }),
);
