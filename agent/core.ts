import type { KeyObject } from 'node:crypto';
import {
  commandOutputSchemas,
  commandPolicyViolation,
  hypervReturnAction,
  hypervReturnMeaning,
  isAllowedInMode,
  isFailbackAlreadyApplied,
  signResult,
  verifyCommand,
  type CommandEnvelope,
  type CommandOutput,
  type CommandType,
  type ResultEnvelopeInput,
  type TrustedKeys,
} from '../shared/contracts';
import { isPairedWith, notPaired } from '../shared/contracts/lync';
import { redact } from '../shared/redact';
import { safeAudit, type AuditSink } from './audit';
import { ExecutorError, type ExecutableType, type Executor } from './executors/types';
import type { Ledger } from './ledger';

/** The agent's version, reported by `agent.ping`. */
export const AGENT_VERSION = '1.0.0';

/** What the agent needs to decide about one message. */
export interface AgentCoreOptions {
  readonly site: string;
  readonly agentId: string;
  readonly signingKey: KeyObject;
  readonly signingKeyId: string;
  readonly trustedKeys: TrustedKeys;
  readonly maxClockSkewMs: number;
  readonly executor: Executor;
  readonly ledger: Ledger;
  readonly audit: AuditSink;
  readonly now: () => Date;
  /**
   * Test seam: runs after the executor returned and before the result is recorded. A test makes it
   * throw to stand for a process killed between executing and answering.
   */
  readonly afterExecute?: (command: CommandEnvelope) => void | Promise<void>;
}

/** What to do with a queue message after deciding: send `reply` (queue text) if any, then delete it. */
export interface Decision {
  readonly reply?: string | undefined;
  readonly commandId?: string | undefined;
  readonly type?: string | undefined;
  /** false only when the message must come back (nothing here: a failure throws instead). */
  readonly delete: boolean;
}

type Outcome =
  | { outcome: 'succeeded'; output: unknown }
  | { outcome: 'alreadyDone'; output: unknown }
  | { outcome: 'failed'; error: { code: string; message: string } }
  | { outcome: 'rejected'; error: { code: string; message: string } };

/**
 * The agent's decisions, independent of queues: verify, consult the ledger, apply the site and
 * drill rules, execute once, sign the result, record it. One command id is handled by one
 * caller at a time (a per-id lock), so the same command delivered many times, even at once,
 * executes exactly once.
 */
export class AgentCore {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** The audit sink, redacting and capping every text field. */
  private readonly audit: AuditSink;

  constructor(private readonly o: AgentCoreOptions) {
    this.audit = safeAudit(o.audit);
  }

  /** Decides what to do with one command message (queue text). Throws only when it could not record its decision (retry by redelivery). */
  async handle(text: string, meta: { messageId?: string; dequeueCount?: number } = {}): Promise<Decision> {
    const receivedAt = this.o.now();
    const v = verifyCommand(text, this.o.trustedKeys, receivedAt, this.o.maxClockSkewMs);
    const trusted = v.ok
      ? {
          commandId: v.command.commandId,
          instanceId: v.command.instanceId,
          site: v.command.site,
          commandHash: v.commandHash,
          type: v.command.type,
        }
      : v.trusted;
    this.audit({
      event: 'received',
      ...meta,
      ...(trusted === undefined ? {} : { commandId: trusted.commandId, type: trusted.type }),
      ...(v.ok ? { mode: v.command.mode } : {}),
    });
    if (trusted === undefined) {
      // Not signed by a trusted key: nothing in it can be believed, not even the id. Audit and drop.
      if (!v.ok) this.audit({ event: 'rejected', reason: v.reason, detail: v.detail, ...meta });
      return { delete: true };
    }
    return this.serialise(trusted.commandId, async () => {
      const entry = this.o.ledger.get(trusted.commandId);
      const base = {
        commandId: trusted.commandId,
        instanceId: trusted.instanceId,
        commandHash: trusted.commandHash,
        ...(trusted.type === undefined ? {} : { type: trusted.type }),
      };
      if (entry !== undefined && entry.commandHash !== trusted.commandHash) {
        // Same id, different signed bytes: never let a second command ride on an answered id.
        const r = this.sign(
          base,
          {
            outcome: 'rejected',
            error: {
              code: 'commandIdReused',
              message: 'this command id was already used for a different command',
            },
          },
          receivedAt,
        );
        this.audit({
          event: 'rejected',
          commandId: trusted.commandId,
          type: trusted.type,
          reason: 'commandIdReused',
        });
        return { reply: r.text, commandId: trusted.commandId, type: trusted.type, delete: true };
      }
      if (entry?.result !== undefined) {
        this.audit({
          event: 'answeredFromLedger',
          commandId: trusted.commandId,
          type: trusted.type,
          outcome: entry.outcome,
        });
        return {
          reply: encode(entry.result),
          commandId: trusted.commandId,
          type: trusted.type,
          delete: true,
        };
      }
      if (entry?.command !== undefined) {
        // Started before a crash and never answered.
        const out = await this.recover(entry.command);
        this.audit({
          event: 'recovered',
          commandId: trusted.commandId,
          type: trusted.type,
          outcome: out.outcome,
        });
        return this.finish(base, entry.expiresAt, out, receivedAt, undefined);
      }
      if (!v.ok) {
        this.audit({
          event: 'rejected',
          commandId: trusted.commandId,
          type: trusted.type,
          reason: v.reason,
          detail: v.detail,
        });
        return this.finish(
          base,
          expiryForRecord(receivedAt),
          { outcome: 'rejected', error: { code: v.reason, message: v.detail } },
          receivedAt,
          undefined,
        );
      }
      const command = v.command;
      const violation = commandPolicyViolation(command, this.o.site, isAllowedInMode);
      if (violation !== undefined) {
        this.audit({
          event: 'rejected',
          commandId: command.commandId,
          type: command.type,
          mode: command.mode,
          reason: violation.reason,
          detail: violation.detail,
        });
        return this.finish(
          base,
          command.expiresAt,
          { outcome: 'rejected', error: { code: violation.reason, message: violation.detail } },
          receivedAt,
          undefined,
        );
      }
      const startedAt = this.o.now();
      await this.o.ledger.markStarted(command, v.commandHash, startedAt);
      this.audit({
        event: 'executing',
        commandId: command.commandId,
        type: command.type,
        mode: command.mode,
      });
      const out = await this.execute(command);
      await this.o.afterExecute?.(command);
      this.audit({
        event: 'executed',
        commandId: command.commandId,
        type: command.type,
        outcome: out.outcome,
        ...(out.outcome === 'failed' || out.outcome === 'rejected' ? { reason: out.error.code } : {}),
      });
      return this.finish(base, command.expiresAt, out, receivedAt, startedAt);
    });
  }

  private async finish(
    base: { commandId: string; instanceId: string; commandHash: string; type?: CommandType },
    expiresAt: string,
    out: Outcome,
    receivedAt: Date,
    startedAt: Date | undefined,
  ): Promise<Decision> {
    const signed = this.sign(base, out, receivedAt, startedAt);
    await this.o.ledger.complete(
      {
        commandId: base.commandId,
        commandHash: base.commandHash,
        expiresAt,
        outcome: out.outcome,
        result: signed.message,
      },
      this.o.now(),
    );
    return {
      reply: signed.text,
      commandId: base.commandId,
      ...(base.type === undefined ? {} : { type: base.type }),
      delete: true,
    };
  }

  private sign(
    base: { commandId: string; instanceId: string; commandHash: string; type?: CommandType },
    out: Outcome,
    receivedAt: Date,
    startedAt?: Date,
  ) {
    const timings = {
      receivedAt: receivedAt.toISOString(),
      ...(startedAt === undefined ? {} : { startedAt: startedAt.toISOString() }),
      finishedAt: this.o.now().toISOString(),
    };
    const common = { ...base, agentId: this.o.agentId, site: this.o.site, timings };
    const input =
      out.outcome === 'succeeded' || out.outcome === 'alreadyDone'
        ? { ...common, outcome: out.outcome, output: out.output }
        : {
            ...common,
            outcome: out.outcome,
            output: null,
            error: { code: out.error.code.slice(0, 64), message: out.error.message.slice(0, 1024) },
          };
    return signResult(input as ResultEnvelopeInput, this.o.signingKey, this.o.signingKeyId);
  }

  private async serialise<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }

  /** Runs one executor call and validates its output strictly. */
  private async call<T extends ExecutableType>(
    type: T,
    params: Parameters<Executor['execute']>[1] & object,
  ): Promise<CommandOutput<T>> {
    const raw = await this.o.executor.execute(type, params as never);
    const parsed = commandOutputSchemas[type].safeParse(raw);
    if (!parsed.success)
      throw new ExecutorError(
        'BadOutput',
        `the ${this.o.executor.kind} executor returned output that does not match ${type}`,
      );
    return parsed.data as CommandOutput<T>;
  }

  /** Executes a verified, allowed command once, applying the per-type rules of the reference. */
  private async execute(command: CommandEnvelope): Promise<Outcome> {
    try {
      switch (command.type) {
        case 'agent.ping':
          return {
            outcome: 'succeeded',
            output: {
              agentId: this.o.agentId,
              site: this.o.site,
              executor: this.o.executor.kind,
              version: AGENT_VERSION,
            },
          };
        case 'lync.backupSync': {
          // The procedure works only between paired Front End pools, and the sync runs on the one
          // that still holds the data: read the pairing first, sync nothing when it is not there.
          const pairing = await this.call('lync.backupRelationship', { poolFqdn: command.params.poolFqdn });
          if (!isPairedWith(pairing.backupPoolFqdn, command.params.lostPoolFqdn))
            return { outcome: 'rejected', error: notPaired(command.params, pairing.backupPoolFqdn) };
          return { outcome: 'succeeded', output: await this.call('lync.backupSync', command.params) };
        }
        case 'hyperv.startTestFailover': {
          // Start-VMFailover -AsTest works on a replica: refuse anything else before touching it.
          const before = await this.call('hyperv.replicationState', { vm: command.params.vm });
          if (before.replicationMode !== undefined && before.replicationMode !== 'Replica')
            return { outcome: 'rejected', error: notReplica(command.params.vm, before.replicationMode) };
          return {
            outcome: 'succeeded',
            output: await this.call('hyperv.startTestFailover', command.params),
          };
        }
        case 'pchat.ensureLegacyEndpoint': {
          // New-CsPersistentChatEndpoint creates an AD object and is not idempotent: check first.
          const existing = await this.call('pchat.getLegacyEndpoint', {
            sipAddress: command.params.sipAddress,
          });
          if (existing.exists)
            return endpointExists(command.params.sipAddress, command.params.poolFqdn, existing.poolFqdn);
          return {
            outcome: 'succeeded',
            output: await this.call('pchat.ensureLegacyEndpoint', command.params),
          };
        }
        case 'hyperv.initiateFailback': {
          // InitiateFailback works on a recovery VM that is failed over: read the VM first. An
          // unknown VM fails here with NotFound (the cause the operator must read).
          const before = await this.call('hyperv.replicationState', { vm: command.params.vm });
          const refusal = failbackRefusal(command.params.vm, before);
          if (refusal !== undefined) return { outcome: 'rejected', error: refusal };
          if (isFailbackAlreadyApplied(before.replicationState))
            return {
              outcome: 'alreadyDone',
              output: {
                returnCode: null,
                meaning: 'Not called: the replication state shows the failback was already initiated',
                replicationState: before.replicationState,
              },
            };
          const out = await this.call('hyperv.initiateFailback', command.params);
          const code = out.returnCode ?? 0;
          switch (hypervReturnAction(code)) {
            case 'completed':
            case 'pollJob':
              return { outcome: 'succeeded', output: out };
            case 'rereadState': {
              // 32775 after a repeated command usually means the step was already applied; after
              // 32771 / 32772 the call may have taken effect: the replication state tells.
              const state = await this.call('hyperv.replicationState', { vm: command.params.vm });
              if (isFailbackAlreadyApplied(state.replicationState))
                return {
                  outcome: 'alreadyDone',
                  output: { ...out, replicationState: state.replicationState },
                };
              return {
                outcome: 'failed',
                error: {
                  code: `wmi-${code}`,
                  message: `${hypervReturnMeaning(code)} (replication state ${state.replicationState})`,
                },
              };
            }
            case 'retry':
              // 32774 / 32777 may pass: the flow retries with backoff within its budget.
              return {
                outcome: 'failed',
                error: {
                  code: `wmi-${code}`,
                  message: `${hypervReturnMeaning(code)} (temporary: retry later)`,
                },
              };
            case 'failed':
              return {
                outcome: 'failed',
                error: { code: `wmi-${code}`, message: hypervReturnMeaning(code) },
              };
          }
          break;
        }
        default:
          return { outcome: 'succeeded', output: await this.call(command.type, command.params) };
      }
    } catch (error) {
      return failure(error);
    }
    return { outcome: 'failed', error: { code: 'internal', message: 'no decision was made' } };
  }

  /**
   * Answers a command that was started and never answered (the agent stopped in between). Reads
   * run again; state-changing commands are answered by re-reading state where the reference
   * gives a way to tell (failback → replication state; legacy endpoint → directory lookup), and
   * otherwise reported as `interrupted` so the orchestration decides with fresh status. They are
   * never re-run blindly.
   */
  private async recover(command: CommandEnvelope): Promise<Outcome> {
    try {
      switch (command.type) {
        case 'hyperv.initiateFailback': {
          const state = await this.call('hyperv.replicationState', { vm: command.params.vm });
          if (isFailbackAlreadyApplied(state.replicationState)) {
            return {
              outcome: 'alreadyDone',
              output: {
                returnCode: null,
                meaning:
                  'Interrupted before answering; the replication state shows the failback was initiated',
                replicationState: state.replicationState,
              },
            };
          }
          return interrupted(`replication state is ${state.replicationState}`);
        }
        case 'pchat.ensureLegacyEndpoint': {
          const existing = await this.call('pchat.getLegacyEndpoint', {
            sipAddress: command.params.sipAddress,
          });
          if (existing.exists)
            return endpointExists(command.params.sipAddress, command.params.poolFqdn, existing.poolFqdn);
          return interrupted('the endpoint does not exist');
        }
        case 'lync.backupSync':
        case 'hyperv.startTestFailover':
        case 'hyperv.stopTestFailover':
          return interrupted('its effect cannot be read back; query status and send a new command if needed');
        default:
          return this.execute(command);
      }
    } catch (error) {
      return failure(error);
    }
  }
}

function notReplica(vm: string, mode: string): { code: string; message: string } {
  return {
    code: 'NotReplica',
    message: `VM ${vm} is not a Hyper-V Replica recovery VM (its replication role is ${mode})`,
  };
}

/**
 * Why InitiateFailback must not be called on this VM, or undefined: it must be a recovery VM
 * (replication role `Replica`, when the host reports the role) that is failed over, or already
 * on its way back (those are answered `alreadyDone` without calling).
 */
function failbackRefusal(
  vm: string,
  read: CommandOutput<'hyperv.replicationState'>,
): { code: string; message: string } | undefined {
  if (read.replicationMode !== undefined && read.replicationMode !== 'Replica')
    return notReplica(vm, read.replicationMode);
  const failedOver =
    read.replicationState === 'FailedOver' || read.replicationState === 'FailedOverWaitingCompletion';
  if (failedOver || isFailbackAlreadyApplied(read.replicationState)) return undefined;
  return {
    code: 'WrongState',
    message: `VM ${vm} is ${read.replicationState}: InitiateFailback needs a recovery VM that is FailedOver`,
  };
}

function interrupted(why: string): Outcome {
  return {
    outcome: 'failed',
    error: {
      code: 'interrupted',
      message: `the agent stopped after starting this command and before answering: ${why}`,
    },
  };
}

function endpointExists(sipAddress: string, wanted: string, actual: string | undefined): Outcome {
  if (actual !== undefined && actual.toLowerCase() === wanted.toLowerCase())
    return { outcome: 'alreadyDone', output: { sipAddress, poolFqdn: actual, created: false } };
  return {
    outcome: 'failed',
    error: { code: 'conflict', message: `${sipAddress} already exists for another Persistent Chat pool` },
  };
}

/**
 * Codes with which a script or the simulated site refuses, before changing anything, a step the
 * procedure does not allow: answered `rejected` (the app's `refused`), not `failed`.
 */
const REFUSAL_CODES = new Set([
  'NotPaired',
  'NotReplica',
  'WrongState',
  'PoolHasEndpoint',
  'SipAddressInUse',
]);

/** A failed outcome from an executor error; its message is redacted (it travels to the app and its logs). */
function failure(error: unknown): Outcome {
  if (error instanceof ExecutorError)
    return {
      outcome: REFUSAL_CODES.has(error.code) ? 'rejected' : 'failed',
      error: { code: error.code, message: redact(error.message) },
    };
  return {
    outcome: 'failed',
    error: {
      code: 'executorError',
      message: error instanceof Error ? redact(error.message) : 'the executor failed',
    },
  };
}

function encode(message: object): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

/** Retention for a rejected command whose expiry could not be read: keep it a day from now. */
function expiryForRecord(now: Date): string {
  return new Date(now.getTime() + 24 * 3600 * 1000).toISOString();
}
