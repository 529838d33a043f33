import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { formatIssues, NonRetryableError } from '../shared/errors';
import {
  agentIdSchema,
  commandQueueName,
  hostnameSchema,
  keyIdSchema,
  loadPrivateKey,
  loadPublicKey,
  siteSchema,
  type TrustedKeys,
} from '../shared/contracts';
import { locateJsonError } from './jsonError';
import { DEFAULT_POLL, type PollSettings } from './run';

/**
 * The agent's configuration: a JSON file validated at start, with secrets preferably from the
 * environment. Errors name the field and the rule, never the value.
 *
 * Environment (override the file):
 * - `LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING`: storage connection string (secret).
 * - `LIFEBOAT_AGENT_SIGNING_KEY`: the agent's Ed25519 private key, PEM or base64 seed (secret).
 * - `LIFEBOAT_AGENT_SIGNING_KEY_FILE`: path of that key instead.
 */

const queueName = z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, {
  error: 'must be a queue name: 3-63 lower-case letters, digits and single hyphens',
});

export const agentConfigFileSchema = z.strictObject({
  site: siteSchema,
  agentId: agentIdSchema,
  queue: z.strictObject({
    /** Secret: prefer the environment variable. */
    connectionString: z.string().min(1).optional(),
    /** Queue service URL, used with the machine's Azure identity when there is no connection string. */
    serviceUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    commandsQueue: queueName.optional(),
    resultsQueue: queueName.default('agent-results'),
    /** Create the queues when missing (local use; in Azure the agent may only read and send). */
    createIfMissing: z.boolean().default(false),
  }),
  /** Public keys (PEM or base64) trusted for commands, by key id: two during a rotation. */
  trustedCommandKeys: z
    .record(keyIdSchema, z.string().min(1))
    .refine((r) => Object.keys(r).length >= 1 && Object.keys(r).length <= 4, {
      error: 'must hold 1 to 4 keys',
    }),
  signingKey: z.strictObject({ keyId: keyIdSchema, path: z.string().min(1).optional() }),
  // PowerShell is the only executor a deployed agent has; the simulated site of the local stack
  // (local/site) is handed to `run` in code, never named in a configuration file.
  executor: z.strictObject({
    kind: z.literal('powershell'),
    pwsh: z.string().min(1).default('pwsh'),
    /**
     * PowerShell per script family: `lync` (Lync and Persistent Chat scripts; default
     * `powershell.exe` on Windows: the SkypeForBusiness module is a Windows PowerShell 5.1
     * module) and `hyperv` (default `pwsh`). See agent/executors/powershell.ts.
     */
    executables: z
      .strictObject({ lync: z.string().min(1).optional(), hyperv: z.string().min(1).optional() })
      .optional(),
    scriptsDir: z.string().min(1).optional(),
    timeoutSeconds: z.number().int().min(5).max(3600).default(300),
  }),
  /**
   * The Hyper-V side of the site. `cluster.name`: the site's replica VMs are clustered roles of this
   * failover cluster (issue 22 item 9), so every Hyper-V script asks the cluster which node owns the
   * VM (`Get-ClusterGroup -Cluster <name>`) and makes its WMI calls on that node; absent, the agent's
   * own host is a standalone Hyper-V host and the scripts call WMI locally, as before.
   */
  hyperv: z.strictObject({ cluster: z.strictObject({ name: hostnameSchema }).optional() }).optional(),
  ledgerPath: z.string().min(1),
  /** Audit log file (JSON lines); standard output when absent. */
  auditPath: z.string().min(1).optional(),
  maxClockSkewSeconds: z.number().int().min(0).max(900).default(120),
  /** How long after a command's expiry the ledger remembers it. */
  ledgerRetentionHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(48),
  poll: z
    .strictObject({
      busyDelayMs: z.number().int().min(0).max(60_000).default(DEFAULT_POLL.busyDelayMs),
      idleMinMs: z.number().int().min(10).max(60_000).default(DEFAULT_POLL.idleMinMs),
      idleMaxMs: z.number().int().min(100).max(300_000).default(DEFAULT_POLL.idleMaxMs),
      idleFactor: z.number().min(1).max(10).default(DEFAULT_POLL.idleFactor),
      errorMaxMs: z.number().int().min(100).max(600_000).default(DEFAULT_POLL.errorMaxMs),
      batchSize: z.number().int().min(1).max(32).default(DEFAULT_POLL.batchSize),
      visibilityTimeoutSeconds: z
        .number()
        .int()
        .min(30)
        .max(7 * 24 * 3600)
        .default(DEFAULT_POLL.visibilityTimeoutSeconds),
    })
    .default(DEFAULT_POLL),
});
export type AgentConfigFile = z.input<typeof agentConfigFileSchema>;

/** The resolved configuration: keys loaded, queue names filled in. */
export interface AgentConfig {
  readonly site: string;
  readonly agentId: string;
  readonly queue: {
    readonly connectionString?: string;
    readonly serviceUrl?: string;
    readonly commandsQueue: string;
    readonly resultsQueue: string;
    readonly createIfMissing: boolean;
  };
  readonly trustedKeys: TrustedKeys;
  readonly signingKey: KeyObject;
  readonly signingKeyId: string;
  /**
   * From the file: PowerShell. `provided`: code hands the executor to `run` in `deps.executor`
   * (the local stack's simulated site, tests); never read from a file.
   */
  readonly executor: z.output<typeof agentConfigFileSchema>['executor'] | { readonly kind: 'provided' };
  /** The failover cluster whose roles the site's replica VMs are (`hyperv.cluster.name`); absent: a standalone host. */
  readonly hypervCluster?: string;
  readonly ledgerPath: string;
  readonly auditPath?: string;
  readonly maxClockSkewMs: number;
  readonly ledgerRetentionMs: number;
  readonly poll: PollSettings;
}

/**
 * Validates a configuration object plus environment into an {@link AgentConfig}. Relative paths
 * are resolved against `baseDir` (the config file's folder). Throws NonRetryableError listing
 * every problem by field.
 */
export function resolveAgentConfig(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  baseDir = process.cwd(),
): AgentConfig {
  // reportInput only to tell a missing field from a wrong one: the input is never printed.
  const parsed = agentConfigFileSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const lines = formatIssues(parsed.error.issues, { root: '(config)', max: 50, separator: '\n  - ' });
    throw new NonRetryableError(`Invalid agent configuration:\n  - ${lines}`, {
      code: 'InvalidConfiguration',
    });
  }
  const c = parsed.data;
  const problems: string[] = [];
  const abs = (p: string) => path.resolve(baseDir, p);

  const connectionString = env.LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING ?? c.queue.connectionString;
  if (connectionString === undefined && c.queue.serviceUrl === undefined)
    problems.push(
      'queue: needs LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING, queue.connectionString or queue.serviceUrl',
    );

  const trusted = new Map<string, KeyObject>();
  for (const [id, text] of Object.entries(c.trustedCommandKeys)) {
    try {
      trusted.set(id, loadPublicKey(text));
    } catch {
      problems.push(`trustedCommandKeys.${id}: must be an Ed25519 public key (PEM or base64 of 32 bytes)`);
    }
  }

  let signingKey: KeyObject | undefined;
  const keyFile = env.LIFEBOAT_AGENT_SIGNING_KEY_FILE ?? c.signingKey.path;
  let keyText = env.LIFEBOAT_AGENT_SIGNING_KEY;
  if (keyText === undefined && keyFile !== undefined) {
    try {
      keyText = readFileSync(abs(keyFile), 'utf8');
    } catch {
      problems.push('signingKey.path: the key file cannot be read');
    }
  }
  if (keyText === undefined) {
    if (keyFile === undefined)
      problems.push(
        'signingKey: needs LIFEBOAT_AGENT_SIGNING_KEY, LIFEBOAT_AGENT_SIGNING_KEY_FILE or signingKey.path',
      );
  } else {
    try {
      signingKey = loadPrivateKey(keyText);
    } catch {
      problems.push('signingKey: must be an Ed25519 private key (PEM or base64 of a 32-byte seed)');
    }
  }
  if (c.poll.idleMinMs > c.poll.idleMaxMs) problems.push('poll.idleMinMs: must not exceed poll.idleMaxMs');

  if (problems.length > 0 || signingKey === undefined) {
    throw new NonRetryableError(`Invalid agent configuration:\n  - ${problems.join('\n  - ')}`, {
      code: 'InvalidConfiguration',
    });
  }
  const executor = {
    ...c.executor,
    ...(c.executor.scriptsDir === undefined ? {} : { scriptsDir: abs(c.executor.scriptsDir) }),
  };
  return {
    site: c.site,
    agentId: c.agentId,
    queue: {
      ...(connectionString === undefined ? {} : { connectionString }),
      ...(c.queue.serviceUrl === undefined ? {} : { serviceUrl: c.queue.serviceUrl }),
      commandsQueue: c.queue.commandsQueue ?? commandQueueName(c.site),
      resultsQueue: c.queue.resultsQueue,
      createIfMissing: c.queue.createIfMissing,
    },
    trustedKeys: trusted,
    signingKey,
    signingKeyId: c.signingKey.keyId,
    executor,
    ...(c.hyperv?.cluster === undefined ? {} : { hypervCluster: c.hyperv.cluster.name }),
    ledgerPath: abs(c.ledgerPath),
    ...(c.auditPath === undefined ? {} : { auditPath: abs(c.auditPath) }),
    maxClockSkewMs: c.maxClockSkewSeconds * 1000,
    ledgerRetentionMs: Math.max(c.ledgerRetentionHours * 3600_000, c.maxClockSkewSeconds * 1000),
    poll: c.poll,
  };
}

/**
 * Reads and validates the configuration file at `file`. Each way it can fail has its own message
 * (not found, not a file, unreadable, not JSON with the line and column, invalid fields), none
 * quoting the file's content.
 */
export function loadAgentConfig(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): AgentConfig {
  const fail = (why: string) =>
    new NonRetryableError(`Invalid agent configuration: ${why}`, { code: 'InvalidConfiguration' });
  let text: string;
  try {
    if (!statSync(file).isFile()) throw fail(`${file} is not a file (give the path of the JSON file)`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof NonRetryableError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw fail(`${file} was not found`);
    if (code === 'EACCES' || code === 'EPERM')
      throw fail(`${file} cannot be read: permission denied for this account`);
    throw fail(`${file} cannot be read (${code ?? 'unknown error'})`);
  }
  // Notepad saves UTF-8 with a byte order mark; JSON.parse would refuse it.
  const json = text.replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    const at = locateJsonError(json);
    throw fail(
      at === undefined
        ? `${file} is not valid JSON`
        : `${file} is not valid JSON: line ${at.line}, column ${at.column}: ${at.problem}`,
    );
  }
  return resolveAgentConfig(value, env, path.dirname(path.resolve(file)));
}
