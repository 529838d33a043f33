import { z } from 'zod';
import { defineSection, intSetting, jsonSetting } from '../define';

const siteName = z
  .string({
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be a site name (text)'),
  })
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    error: 'must be a site name: 1-40 lower-case letters, digits and single inner hyphens',
  })
  .refine((s) => !s.includes('--'), { error: 'must not contain "--"' });

const keyId = z.string().regex(/^[\w.:-]{1,64}$/, { error: 'must be a key id: 1-64 of A-Z a-z 0-9 . _ : -' });

/**
 * One trusted agent key: which agent and which site it speaks for, and its public key. The site is
 * required: a key without one could answer for every site (issue 13).
 */
const agentKey = z.strictObject({
  agentId: z.string().regex(/^[\w.-]{1,64}$/, { error: 'agentId must be 1-64 of A-Z a-z 0-9 . _ -' }),
  site: siteName,
  publicKey: z
    .string()
    .min(1, { error: 'publicKey must be an Ed25519 public key (PEM or base64 of 32 bytes)' }),
});

/**
 * The on-premises command relay, app side (issue 5). Secrets: the command-signing private key
 * (a Key Vault reference in Azure). Keys are parsed here as text only; they are turned into key
 * objects inside the activities that use them (shared/relay/keys.ts), so a bad key fails the relay
 * functions by name and never the whole app's configuration.
 */
export const relaySection = defineSection(
  'relay',
  {
    LIFEBOAT_RELAY_SIGNING_KEY: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Ed25519 private key (PKCS#8 PEM or base64 of the 32-byte seed) the app signs commands with. Secret: a Key Vault reference in Azure. Required to send commands.',
      ),
    LIFEBOAT_RELAY_SIGNING_KEY_ID: keyId
      .optional()
      .describe(
        'Key id written into signed commands (agents pin the public key under this id). Default: derived from the public key (`ed25519-<16 hex>`).',
      ),
    LIFEBOAT_RELAY_AGENT_KEYS: jsonSetting(
      z
        .record(keyId, agentKey)
        .refine((r) => Object.keys(r).length <= 64, { error: 'must hold at most 64 keys' }),
      'JSON map `{ "<keyId>": { "agentId": "...", "site": "...", "publicKey": "<PEM or base64>" } }`: agent keys trusted for results (two per agent during a rotation). Every key names the one site it may answer for; a key without `site` is a start-up error naming the key id.',
    ).default({}),
    LIFEBOAT_RELAY_SITES: z
      .string()
      .transform((text) =>
        text
          .split(/[,\s]+/)
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .pipe(z.array(siteName).max(100, { error: 'must list at most 100 sites' }))
      .default([])
      .describe(
        'Comma-separated sites commands may be sent to (`agent-<site>-commands`). A site not listed is refused.',
      ),
    LIFEBOAT_RELAY_CONTAINER: z
      .string()
      .regex(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, {
        error: 'must be a container name: 3-63 lower-case letters, digits and single hyphens',
      })
      .default('lifeboat-relay')
      .describe(
        'Private blob container (app storage) holding sent-command records and ignored-result audit records.',
      ),
    LIFEBOAT_RELAY_COMMAND_TTL_SECONDS: intSetting(
      900,
      30,
      24 * 3600,
      'How long a signed command stays valid after it is issued.',
    ),
    LIFEBOAT_RELAY_DELIVERY_TIMEOUT_SECONDS: intSetting(
      120,
      1,
      24 * 3600,
      'How long a command may wait in the queue before the agent picks it up (part of the result timeout).',
    ),
    LIFEBOAT_RELAY_EXECUTION_TIMEOUT_SECONDS: intSetting(
      300,
      1,
      24 * 3600,
      'How long the agent may take to execute a command (with the delivery timeout: how long an orchestration waits for a result).',
    ),
    LIFEBOAT_RELAY_MAX_ATTEMPTS: intSetting(
      2,
      1,
      10,
      'Sends of one command (after a timeout, state is read first for commands that are not idempotent).',
    ),
    LIFEBOAT_RELAY_POLL_SECONDS: intSetting(
      30,
      1,
      3600,
      'Wait between status polls of a long-running on-premises operation (Lync sync, failback job).',
    ),
    LIFEBOAT_RELAY_OPERATION_TIMEOUT_MINUTES: intSetting(
      240,
      1,
      7 * 24 * 60,
      'A Lync sync or VM failback still not finished after this is reported timedOut.',
    ),
    LIFEBOAT_RELAY_FANOUT_CONCURRENCY: intSetting(5, 1, 50, 'VMs failed back at once by vmFailback.'),
  },
  (raw, ctx) => {
    if (raw.LIFEBOAT_RELAY_COMMAND_TTL_SECONDS < raw.LIFEBOAT_RELAY_DELIVERY_TIMEOUT_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['LIFEBOAT_RELAY_COMMAND_TTL_SECONDS'],
        message:
          'must be at least LIFEBOAT_RELAY_DELIVERY_TIMEOUT_SECONDS (a command must outlive its delivery window)',
      });
    }
    const agentKeys = Object.entries(raw.LIFEBOAT_RELAY_AGENT_KEYS).map(([keyId, k]) => ({
      keyId,
      agentId: k.agentId,
      site: k.site,
      publicKey: k.publicKey,
    }));
    return {
      /** Secret. */
      signingKey: raw.LIFEBOAT_RELAY_SIGNING_KEY,
      signingKeyId: raw.LIFEBOAT_RELAY_SIGNING_KEY_ID,
      agentKeys,
      sites: [...new Set(raw.LIFEBOAT_RELAY_SITES)],
      container: raw.LIFEBOAT_RELAY_CONTAINER,
      commandTtlSeconds: raw.LIFEBOAT_RELAY_COMMAND_TTL_SECONDS,
      deliveryTimeoutSeconds: raw.LIFEBOAT_RELAY_DELIVERY_TIMEOUT_SECONDS,
      executionTimeoutSeconds: raw.LIFEBOAT_RELAY_EXECUTION_TIMEOUT_SECONDS,
      maxAttempts: raw.LIFEBOAT_RELAY_MAX_ATTEMPTS,
      pollSeconds: raw.LIFEBOAT_RELAY_POLL_SECONDS,
      operationTimeoutMinutes: raw.LIFEBOAT_RELAY_OPERATION_TIMEOUT_MINUTES,
      fanoutConcurrency: raw.LIFEBOAT_RELAY_FANOUT_CONCURRENCY,
    };
  },
  { secretKeys: ['LIFEBOAT_RELAY_SIGNING_KEY'] },
);
