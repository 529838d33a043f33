import {
  decodeSignedMessage,
  isAllowedInMode,
  isCommandType,
  resultBindingMismatch,
  sha256Hex,
  verifyResult,
  type ResultEnvelope,
} from '../contracts';
import type { ResultEvent } from './contracts';
import { resultEventName } from './decisions';
import type { AgentKeyOwner, RelayKeys } from './keys';
import type { CommandRecord, IgnoredReason, RelayStore } from './store';

/** What raising the event into the orchestration may answer. */
export type RaiseOutcome = 'raised' | 'instanceGone';

/** What {@link handleResult} needs. */
export interface ResultDeps {
  readonly keys: Pick<RelayKeys, 'agentKeys' | 'owners'>;
  readonly store: RelayStore;
  /** Raises `name` with `data` into `instanceId` (the durable client). Throws on transient failures. */
  readonly raise: (instanceId: string, name: string, data: ResultEvent) => Promise<RaiseOutcome>;
  readonly now: () => Date;
}

/** What became of one result message. */
export type ResultDecision =
  | {
      readonly decision: 'raised';
      readonly commandId: string;
      readonly instanceId: string;
      readonly outcome: string;
    }
  | {
      readonly decision: 'ignored';
      readonly reason: IgnoredReason;
      readonly detail: string;
      readonly commandId?: string;
      /** A result a genuine agent never sends (recorded as a security event). */
      readonly security?: true;
    };

/** Where a result message came from: the queue delivery (id and dequeue count), when the trigger says. */
export interface ResultMeta {
  readonly messageId?: string;
  readonly dequeueCount?: number;
}

type Ids = { commandId?: string; agentId?: string; keyId?: string };
type Ignore = (reason: IgnoredReason, detail: string, ids?: Ids, security?: true) => Promise<ResultDecision>;

/**
 * Handles one message from the results queue: verifies the agent's signature with the trusted
 * agent keys, that the signing key belongs to the agent named in the result and to the command's
 * site, the binding to the recorded command (id, instance, hash, site, type), the drill rule, then
 * claims the record with a conditional write (first valid result wins) and raises
 * `result-<commandId>`.
 *
 * Exactly one raise per command, whatever the concurrency: only the handler whose conditional
 * write claimed the record raises. Identical copies (the agent answers a redelivered command from
 * its ledger; the trigger takes 16 messages at once; a replay) find the record claimed or raised
 * and are recorded as duplicates. If the raise fails after the claim, the handler throws and the
 * queue redelivers that same message (same id, higher dequeue count): that retry, and only it,
 * takes the claim over (another conditional write, so concurrent retries still raise once) and
 * raises again. Without queue metadata a failed claim is never raised again; the orchestration
 * then times out and asks for state.
 *
 * Forged, unsigned, unknown, unbound, duplicate, late and drill-violating results are recorded and
 * ignored, never raised, and never thrown: retrying cannot change them. Storage and
 * durable-client failures throw (the queue retries the message).
 */
export async function handleResult(
  deps: ResultDeps,
  message: unknown,
  meta: ResultMeta = {},
): Promise<ResultDecision> {
  const ignore: Ignore = async (reason, detail, ids = {}, security) => {
    await deps.store.ignored({
      reason,
      detail,
      at: deps.now().toISOString(),
      ...(meta.messageId === undefined ? {} : { messageId: meta.messageId }),
      ...(meta.dequeueCount === undefined ? {} : { dequeueCount: meta.dequeueCount }),
      ...ids,
      ...(security === undefined ? {} : { security }),
    });
    return {
      decision: 'ignored',
      reason,
      detail,
      ...(ids.commandId === undefined ? {} : { commandId: ids.commandId }),
      ...(security === undefined ? {} : { security }),
    };
  };

  const verified = verifyResult(message, deps.keys.agentKeys);
  if (!verified.ok) return ignore(verified.reason, verified.detail);
  const result = verified.result;
  const ids = { commandId: result.commandId, agentId: result.agentId, keyId: result.keyId };
  const owner = deps.keys.owners.get(result.keyId);
  const ownerProblem = keyOwnerMismatch(owner, result);
  if (ownerProblem !== undefined) return ignore('agentMismatch', ownerProblem, ids);

  // The hash of the exact signed bytes identifies this result (duplicates have the same one).
  const decoded = decodeSignedMessage(message);
  const resultHash = decoded.ok ? sha256Hex(Buffer.from(decoded.message.payload, 'base64')) : '';

  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await deps.store.get(result.commandId);
    if (found === undefined)
      return ignore('unknownCommand', `commandId: ${result.commandId} was not sent by this app`, ids);
    const { record, etag } = found;
    const mismatch = resultBindingMismatch(result, {
      commandId: record.commandId,
      instanceId: record.instanceId,
      commandHash: record.commandHash,
      site: record.site,
      type: record.type,
    });
    if (mismatch !== undefined) return ignore('notBound', mismatch, ids);
    if (owner !== undefined && owner.site !== record.site)
      return ignore(
        'agentMismatch',
        `keyId: ${result.keyId} belongs to site ${owner.site}, not ${record.site}`,
        ids,
      );
    const drill = drillViolation(record, result);
    if (drill !== undefined) return ignore('drillViolation', drill, ids, true);

    switch (record.state) {
      case 'closed':
        return ignore(
          'late',
          `the orchestration stopped waiting (${record.closeReason ?? 'closed'}) at ${record.closedAt ?? 'unknown time'}`,
          ids,
        );
      case 'raised':
        return ignore(
          'duplicate',
          record.resultHash === resultHash
            ? 'this result was already raised'
            : 'another result for this command was already raised',
          ids,
        );
      case 'claimed': {
        if (record.resultHash !== resultHash)
          return ignore('duplicate', 'another result for this command was already accepted', ids);
        if (!isRetryOfClaim(record, meta))
          return ignore(
            'duplicate',
            'this result was already accepted and is raised by the delivery that claimed it (or its retry)',
            ids,
          );
        // The queue redelivered the message whose raise failed: take the claim over (one retry wins).
        const retaken: CommandRecord = {
          ...record,
          claimDequeueCount: meta.dequeueCount,
          claimedAt: deps.now().toISOString(),
        };
        const newEtag = await deps.store.replace(retaken, etag);
        if (newEtag === undefined) continue;
        return raiseAndMark(deps, retaken, newEtag, result, ignore, ids);
      }
      case 'open': {
        const claimed: CommandRecord = {
          ...record,
          state: 'claimed',
          resultHash,
          agentId: result.agentId,
          outcome: result.outcome,
          claimedAt: deps.now().toISOString(),
          ...(meta.messageId === undefined ? {} : { claimMessageId: meta.messageId }),
          ...(meta.dequeueCount === undefined ? {} : { claimDequeueCount: meta.dequeueCount }),
        };
        const newEtag = await deps.store.replace(claimed, etag);
        if (newEtag === undefined) continue; // someone else changed it: read again and decide on the new state
        return raiseAndMark(deps, claimed, newEtag, result, ignore, ids);
      }
    }
  }
  return ignore('duplicate', 'the command record kept changing under concurrent results', ids);
}

/**
 * Whether this delivery is a retry of the one that claimed the record: the same queue message,
 * dequeued again (the queue trigger never hands one delivery to two handlers at once; a retry has
 * a higher dequeue count). A copy of the result in another message never is.
 */
function isRetryOfClaim(record: CommandRecord, meta: ResultMeta): meta is Required<ResultMeta> {
  return (
    meta.messageId !== undefined &&
    meta.dequeueCount !== undefined &&
    record.claimMessageId === meta.messageId &&
    record.claimDequeueCount !== undefined &&
    meta.dequeueCount > record.claimDequeueCount
  );
}

/**
 * The drill rule, re-checked on the app side: a drill never changes production, so an agent must
 * refuse a state-changing command in drill mode. A success for one is never raised.
 */
export function drillViolation(
  record: Pick<CommandRecord, 'mode' | 'type'>,
  result: Pick<ResultEnvelope, 'outcome'>,
): string | undefined {
  if (record.mode !== 'drill' || !isCommandType(record.type) || isAllowedInMode(record.type, 'drill'))
    return undefined;
  if (result.outcome !== 'succeeded' && result.outcome !== 'alreadyDone') return undefined;
  return `mode: ${record.type} changes state and was sent in drill mode, where the agent must refuse it, yet the result says ${result.outcome}`;
}

async function raiseAndMark(
  deps: ResultDeps,
  record: CommandRecord,
  etag: string,
  result: ResultEnvelope,
  ignore: Ignore,
  ids: Ids,
): Promise<ResultDecision> {
  const event: ResultEvent = {
    commandId: result.commandId,
    commandHash: result.commandHash,
    agentId: result.agentId,
    ...(result.type === undefined ? {} : { type: result.type }),
    outcome: result.outcome,
    output: result.output,
    ...('error' in result && result.error !== undefined ? { error: result.error } : {}),
  };
  const raised = await deps.raise(record.instanceId, resultEventName(record.commandId), event);
  if (raised === 'instanceGone') {
    await deps.store.replace(
      { ...record, state: 'closed', closedAt: deps.now().toISOString(), closeReason: 'instanceGone' },
      etag,
    );
    return ignore('instanceGone', `instance ${record.instanceId} no longer runs`, ids);
  }
  // If this write fails (storage down), the handler throws and the queue's retry of this message
  // raises again: at least once for a retry, never for a copy. The orchestration takes only the first.
  await deps.store.replace({ ...record, state: 'raised', raisedAt: deps.now().toISOString() }, etag);
  return {
    decision: 'raised',
    commandId: record.commandId,
    instanceId: record.instanceId,
    outcome: result.outcome,
  };
}

/** Why the key that signed `result` may not speak for the agent it names, if so. */
export function keyOwnerMismatch(
  owner: AgentKeyOwner | undefined,
  result: Pick<ResultEnvelope, 'agentId' | 'keyId' | 'site'>,
): string | undefined {
  if (owner === undefined) return `keyId: ${result.keyId} has no owner`;
  if (owner.agentId !== result.agentId)
    return `agentId: key ${result.keyId} belongs to agent ${owner.agentId}, not ${result.agentId}`;
  if (owner.site !== result.site)
    return `site: key ${result.keyId} belongs to site ${owner.site}, not ${result.site}`;
  return undefined;
}

/** Closes a record when the orchestration stops waiting; later results are then `late`. Returns the state found. */
export async function closeCommand(
  store: RelayStore,
  commandId: string,
  reason: string,
  now: Date,
): Promise<'closed' | 'alreadyAnswered' | 'unknown'> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await store.get(commandId);
    if (found === undefined) return 'unknown';
    if (found.record.state !== 'open') return found.record.state === 'closed' ? 'closed' : 'alreadyAnswered';
    if (
      (await store.replace(
        { ...found.record, state: 'closed', closedAt: now.toISOString(), closeReason: reason },
        found.etag,
      )) !== undefined
    )
      return 'closed';
  }
  return 'alreadyAnswered';
}
