import { z } from 'zod';
import { boolSetting, defineSection, intSetting } from '../define';

/** Recovery plans: where they are declared, failovers, approvals (issue 10). */
export const plansSection = defineSection(
  'plans',
  {
    LIFEBOAT_PLANS_DIR: z
      .string()
      .min(1)
      .default('plans')
      .describe(
        'Folder of recovery plans, one `<name>.json` per plan, deployed with the app and reviewed like code (relative paths are resolved from the app root).',
      ),
    LIFEBOAT_FAILOVERS_ENABLED: boolSetting(
      true,
      'The one switch for real failovers: false refuses every failover start (HTTP and alerts), recorded and visible; drills still run.',
    ),
    LIFEBOAT_APPROVAL_TIMEOUT_MINUTES: intSetting(
      30,
      1,
      7 * 24 * 60,
      'A failover waiting for approval this long ends `expired` with nothing changed.',
    ),
    LIFEBOAT_LOCAL_MODE: boolSetting(
      false,
      'The local stack only (`npm start`, tests): trust the principal headers the local host sets for its development tokens. In Azure leave it unset: App Service Authentication (WEBSITE_AUTH_ENABLED=True, set by the platform) is required, and the setting is refused inside App Service.',
    ),
    LIFEBOAT_ALLOW_SELF_APPROVAL: boolSetting(
      false,
      'Let the person who requested a failover approve it (compared by Entra object id). Off by default: four eyes.',
    ),
    LIFEBOAT_PREEMPT_WAIT_MINUTES: intSetting(
      15,
      0,
      24 * 60,
      'How long a failover that preempted a running drill of its plan waits for the drill to finish its cleanup before it goes on anyway.',
    ),
  },
  (raw) => ({
    dir: raw.LIFEBOAT_PLANS_DIR,
    failoversEnabled: raw.LIFEBOAT_FAILOVERS_ENABLED,
    approvalTimeoutMinutes: raw.LIFEBOAT_APPROVAL_TIMEOUT_MINUTES,
    localMode: raw.LIFEBOAT_LOCAL_MODE,
    allowSelfApproval: raw.LIFEBOAT_ALLOW_SELF_APPROVAL,
    preemptWaitMinutes: raw.LIFEBOAT_PREEMPT_WAIT_MINUTES,
  }),
);
