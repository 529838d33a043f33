import { z } from 'zod';
import type { Outcome, Problem } from '../outcome';
import {
  COMMAND_TYPES,
  commandIdSchema,
  instanceIdSchema,
  siteSchema,
  type CommandOutput,
  type CommandType,
  type ResultOutcome,
} from '../contracts';

/**
 * The relay's durable-boundary shapes: activity inputs/outputs, sub-orchestration inputs and
 * outcomes, and the event the results trigger raises. Only ids, hashes and command outputs cross
 * this boundary; keys stay inside activities.
 */

export const modeSchema = z.enum(['drill', 'failover'], { error: 'mode must be drill or failover' });
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

/** What `closeAgentCommand` found. */
export interface CloseAgentCommandOutput {
  readonly state: 'closed' | 'alreadyAnswered' | 'unknown';
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

/**
 * The outcome of `runAgentCommand`, in the one vocabulary: it always returns one, it never hangs.
 * `succeeded` with `alreadyDone: true` when the agent (or a state read after a timeout) found it
 * already done; `refused` when the agent refused it (a drill asking for a change, a bad parameter).
 * `output` is typed by the command type.
 */
export interface RunAgentCommandOutcome<T extends CommandType = CommandType> {
  readonly outcome: Exclude<Outcome, 'partial'>;
  readonly type: T;
  readonly alreadyDone?: true;
  /** Every command id sent (one per attempt, plus state queries). */
  readonly commandIds: readonly string[];
  readonly attempts: number;
  readonly output?: CommandOutput<T>;
  readonly error?: Problem;
}

/** Non-secret relay settings an orchestration needs (read by the `relaySettings` activity). */
export interface RelaySettings {
  readonly timeouts: RelayTimeouts;
  readonly pollMs: number;
  readonly operationTimeoutMs: number;
  readonly fanoutConcurrency: number;
}
