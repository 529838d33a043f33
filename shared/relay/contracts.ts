import { z } from 'zod';
import { NonRetryableError } from '../errors';
import {
  COMMAND_TYPES,
  commandIdSchema,
  instanceIdSchema,
  recoveryPointSchema,
  siteSchema,
  vmRefSchema,
  fqdnSchema,
  LYNC_BACKUP_MODULES,
  DEFAULT_LYNC_MODULE,
  type CommandType,
  type ResultOutcome,
} from '../contracts';

/**
 * The relay's durable-boundary shapes: activity inputs/outputs, sub-orchestration inputs and
 * outcomes, and the event the results trigger raises. Only ids, hashes and command outputs cross
 * this boundary; keys stay inside activities.
 */

const modeSchema = z.enum(['drill', 'failover'], { error: 'mode must be drill or failover' });
const isoTime = z.iso.datetime({ error: 'must be an ISO 8601 UTC time (…Z)' });
const commandTypeSchema = z.enum(COMMAND_TYPES as [CommandType, ...CommandType[]], {
  error: 'type must be a known command type',
});

/** Timeouts and attempts of one command (milliseconds). */
export const relayTimeoutsSchema = z.strictObject({
  deliveryMs: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600_000),
  executionMs: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600_000),
  maxAttempts: z.number().int().min(1).max(10).default(2),
});
export type RelayTimeouts = z.output<typeof relayTimeoutsSchema>;

/** Input of the `sendAgentCommand` activity (ids and time from the orchestration, so a re-run sends the same command). */
export const sendAgentCommandInputSchema = z.strictObject({
  commandId: commandIdSchema,
  instanceId: instanceIdSchema,
  site: siteSchema,
  type: commandTypeSchema,
  params: z.unknown(),
  mode: modeSchema,
  issuedAt: isoTime,
});
export type SendAgentCommandInput = z.infer<typeof sendAgentCommandInputSchema>;

/** What `sendAgentCommand` returns: ids and the hash only. */
export interface SendAgentCommandOutput {
  readonly commandId: string;
  readonly commandHash: string;
  readonly expiresAt: string;
}

/** Input of `closeAgentCommand`: the orchestration stopped waiting (late results are then ignored). */
export const closeAgentCommandInputSchema = z.strictObject({
  commandId: commandIdSchema,
  reason: z.enum(['timedOut', 'answered']),
});
export type CloseAgentCommandInput = z.infer<typeof closeAgentCommandInputSchema>;

/** The event the results trigger raises as `result-<commandId>`: a verified, bound result. */
export interface ResultEvent {
  readonly commandId: string;
  readonly commandHash: string;
  readonly agentId: string;
  readonly type?: CommandType;
  readonly outcome: ResultOutcome;
  readonly output: unknown;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Input of the `runAgentCommand` sub-orchestration. `timeouts` default to configuration. */
export const runAgentCommandInputSchema = z.strictObject({
  site: siteSchema,
  type: commandTypeSchema,
  params: z.record(z.string(), z.unknown()).default({}),
  mode: modeSchema,
  timeouts: relayTimeoutsSchema.optional(),
});
export type RunAgentCommandInput = z.input<typeof runAgentCommandInputSchema>;

/** The typed outcome of `runAgentCommand`: it always returns one, it never hangs. */
export interface RunAgentCommandOutcome {
  readonly outcome: 'succeeded' | 'failed' | 'alreadyDone' | 'rejected' | 'timedOut';
  readonly type: CommandType;
  /** Every command id sent (one per attempt, plus state queries). */
  readonly commandIds: readonly string[];
  readonly attempts: number;
  readonly output?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Non-secret relay settings an orchestration needs (read by the `relaySettings` activity). */
export interface RelaySettings {
  readonly timeouts: RelayTimeouts;
  readonly pollMs: number;
  readonly operationTimeoutMs: number;
  readonly fanoutConcurrency: number;
}

/** Options shared by the long-running flows: poll interval, overall timeout, per-command timeouts. */
const pollingOptions = {
  pollMs: z
    .number()
    .int()
    .min(1000, { error: 'pollMs must be at least 1000 (1 s)' })
    .max(24 * 3600_000, { error: 'pollMs must be at most 86400000 (24 h)' })
    .optional(),
  timeoutMs: z
    .number()
    .int()
    .min(1000, { error: 'timeoutMs must be at least 1000 (1 s)' })
    .max(7 * 24 * 3600_000, { error: 'timeoutMs must be at most 604800000 (7 days)' })
    .optional(),
  timeouts: relayTimeoutsSchema.optional(),
};

/** Input of `lyncConferenceRestore`. */
export const lyncConferenceRestoreInputSchema = z.strictObject({
  site: siteSchema,
  poolFqdn: fqdnSchema,
  module: z.enum(LYNC_BACKUP_MODULES).default(DEFAULT_LYNC_MODULE),
  mode: modeSchema,
  ...pollingOptions,
});
export type LyncConferenceRestoreInput = z.input<typeof lyncConferenceRestoreInputSchema>;

/** Result of `lyncConferenceRestore`. */
export interface LyncConferenceRestoreResult {
  readonly outcome: 'done' | 'failed' | 'rejected' | 'timedOut';
  readonly site: string;
  readonly poolFqdn: string;
  readonly module: string;
  readonly polls: number;
  readonly lastStatus?: { readonly exportStatus: string; readonly importStatus: string };
  readonly error?: { readonly code: string; readonly message: string };
}

/** Input of `vmFailback`. */
export const vmFailbackInputSchema = z.strictObject({
  site: siteSchema,
  vms: z
    .array(vmRefSchema)
    .min(1, { error: 'vms must list at least one VM' })
    .max(500, { error: 'vms must list at most 500 VMs' }),
  recoveryPointId: recoveryPointSchema.optional(),
  mode: modeSchema,
  concurrency: z.number().int().min(1).max(50).optional(),
  ...pollingOptions,
});
export type VmFailbackInput = z.input<typeof vmFailbackInputSchema>;

/** Input of the per-VM `failbackVm` sub-orchestration (settings resolved by the parent). */
export const failbackVmInputSchema = z.strictObject({
  site: siteSchema,
  vm: vmRefSchema,
  recoveryPointId: recoveryPointSchema.optional(),
  mode: modeSchema,
  pollMs: z.number().int().min(1000),
  timeoutMs: z.number().int().min(1000),
  timeouts: relayTimeoutsSchema,
});
export type FailbackVmInput = z.input<typeof failbackVmInputSchema>;

/** One VM's outcome. */
export interface VmFailbackOutcome {
  readonly vm: string;
  readonly outcome: 'succeeded' | 'alreadyDone' | 'failed' | 'rejected' | 'timedOut';
  readonly replicationState?: string;
  readonly jobId?: string;
  readonly returnCode?: number | null;
  readonly polls: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Result of `vmFailback`: a partial failure is a result, not a crash. */
export interface VmFailbackResult {
  readonly outcome: 'succeeded' | 'partial' | 'failed';
  readonly site: string;
  readonly mode: 'drill' | 'failover';
  readonly counts: Readonly<Record<VmFailbackOutcome['outcome'], number>>;
  readonly vms: readonly VmFailbackOutcome[];
}

/** Parses a durable-boundary input; throws NonRetryableError naming the fields. */
export function parseRelayInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(input)'}: ${i.message}`)
      .join('; ');
    throw new NonRetryableError(`${where}: invalid input: ${detail}`, { code: 'InvalidInput' });
  }
  return parsed.data;
}
