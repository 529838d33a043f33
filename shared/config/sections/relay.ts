import { z } from 'zod';
import { defineSection, intSetting } from '../define';

/**
 * The on-premises command relay (app side). The relay issue extends this section with the
 * signing key and per-site settings.
 */
export const relaySection = defineSection(
  'relay',
  {
    LIFEBOAT_RELAY_RESULTS_QUEUE: z
      .string()
      .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, { error: 'must be a queue name: 3-63 lower-case letters, digits and single hyphens' })
      .default('agent-results')
      .describe('Queue agents answer on.'),
    LIFEBOAT_RELAY_COMMAND_TTL_SECONDS: intSetting(900, 30, 24 * 3600, 'How long a signed command stays valid after it is issued.'),
  },
  (raw) => ({
    resultsQueue: raw.LIFEBOAT_RELAY_RESULTS_QUEUE,
    commandTtlSeconds: raw.LIFEBOAT_RELAY_COMMAND_TTL_SECONDS,
  }),
);
