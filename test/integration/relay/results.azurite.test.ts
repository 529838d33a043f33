import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';
import {
  generateSigningKeyPair,
  signResult,
  type CommandMode,
  type CommandType,
  type ResultEnvelopeInput,
} from '../../../shared/contracts';
import type { ResultEvent } from '../../../shared/relay/contracts';
import { handleResult, type RaiseOutcome, type ResultDeps } from '../../../shared/relay/results';
import { createRelayStore, type CommandRecord, type RelayStore } from '../../../shared/relay/store';

/**
 * Issue 13 items 1-3: `handleResult` on the real blob store (Azurite, real ETags), with a raise
 * function that counts what reaches the orchestration.
 */

const agentKey = generateSigningKeyPair();
const agentKeyId = 'agent-a-1';
const site = 'site-a';
const t0 = new Date('2026-01-01T00:00:00Z');
let azurite: AzuriteHandle;
let store: RelayStore;

beforeAll(async () => {
  azurite = await startAzurite();
  store = createRelayStore(
    BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('relay-results-it'),
  );
});
afterAll(async () => {
  await azurite?.stop();
});

/** A raise that records each call; `failFirst` makes the first `n` calls throw (a transient durable-client failure). */
function counter(failFirst = 0) {
  const raised: { instanceId: string; name: string; data: ResultEvent }[] = [];
  let calls = 0;
  const raise = (instanceId: string, name: string, data: ResultEvent): Promise<RaiseOutcome> => {
    calls++;
    if (calls <= failFirst) return Promise.reject(new Error('durable client unavailable'));
    raised.push({ instanceId, name, data });
    return Promise.resolve('raised');
  };
  return { raised, raise };
}

function deps(raise: ResultDeps['raise']): ResultDeps {
  return {
    keys: {
      agentKeys: new Map([[agentKeyId, agentKey.publicKey]]),
      owners: new Map([[agentKeyId, { agentId: 'agent-a', site }]]),
    },
    store,
    raise,
    now: () => t0,
  };
}

async function sentCommand(
  type: CommandType = 'agent.ping',
  mode: CommandMode = 'drill',
): Promise<CommandRecord> {
  const record: CommandRecord = {
    v: 1,
    commandId: randomUUID(),
    instanceId: `instance-${randomUUID()}`,
    site,
    type,
    mode,
    commandHash: randomUUID().replace(/-/g, '').repeat(2),
    issuedAt: t0.toISOString(),
    expiresAt: new Date(t0.getTime() + 900_000).toISOString(),
    sentAt: t0.toISOString(),
    state: 'open',
  };
  return store.create(record);
}

function result(record: CommandRecord, answer: Partial<ResultEnvelopeInput>): string {
  const at = t0.toISOString();
  return signResult(
    {
      commandId: record.commandId,
      instanceId: record.instanceId,
      commandHash: record.commandHash,
      agentId: 'agent-a',
      site,
      timings: { receivedAt: at, finishedAt: at },
      ...answer,
    } as ResultEnvelopeInput,
    agentKey.privateKey,
    agentKeyId,
  ).text;
}

const ping = (record: CommandRecord) =>
  result(record, {
    type: 'agent.ping',
    outcome: 'succeeded',
    output: { agentId: 'agent-a', site, executor: 'simulated', version: '1.0.0' },
  });

async function ignoredFor(commandId: string) {
  return (await store.listIgnored()).filter((e) => e.commandId === commandId);
}

describe('exactly one raise per command (issue 13 item 1)', () => {
  it('100 concurrent copies of one result are raised exactly once', async () => {
    const record = await sentCommand();
    const text = ping(record);
    const { raised, raise } = counter();
    const decisions = await Promise.all(Array.from({ length: 100 }, () => handleResult(deps(raise), text)));
    expect(raised).toHaveLength(1);
    expect(decisions.filter((d) => d.decision === 'raised')).toHaveLength(1);
    expect(new Set(decisions.filter((d) => d.decision === 'ignored').map((d) => d.reason))).toEqual(
      new Set(['duplicate']),
    );
    expect((await store.get(record.commandId))?.record.state).toBe('raised');
  });

  it('100 concurrent deliveries (distinct queue messages, as a batch of the trigger) are raised exactly once', async () => {
    const record = await sentCommand();
    const text = ping(record);
    const { raised, raise } = counter();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        handleResult(deps(raise), text, { messageId: `m-${i}`, dequeueCount: 1 }),
      ),
    );
    expect(raised).toHaveLength(1);
  });

  it('a claim whose raise failed is raised again only by a retry of that message, once, never by copies', async () => {
    const record = await sentCommand();
    const text = ping(record);
    const { raised, raise } = counter(1);
    await expect(handleResult(deps(raise), text, { messageId: 'first', dequeueCount: 1 })).rejects.toThrow(
      /durable client unavailable/,
    );
    expect((await store.get(record.commandId))?.record.state).toBe('claimed');

    // Copies (other messages with the same text: the agent answering a redelivery, a replay) are not raised.
    const copies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        handleResult(deps(raise), text, { messageId: `copy-${i}`, dequeueCount: 1 }),
      ),
    );
    expect(copies.every((d) => d.decision === 'ignored' && d.reason === 'duplicate')).toBe(true);
    // Neither is the same delivery handled twice, nor a copy without queue metadata.
    expect(await handleResult(deps(raise), text, { messageId: 'first', dequeueCount: 1 })).toMatchObject({
      decision: 'ignored',
    });
    expect(await handleResult(deps(raise), text)).toMatchObject({ decision: 'ignored' });
    expect(raised).toHaveLength(0);

    // The queue retries the claiming message (same id, next dequeue count): raised, once, even if
    // that retry is itself handled several times at once.
    const retries = await Promise.all(
      Array.from({ length: 10 }, () =>
        handleResult(deps(raise), text, { messageId: 'first', dequeueCount: 2 }),
      ),
    );
    expect(raised).toHaveLength(1);
    expect(retries.filter((d) => d.decision === 'raised')).toHaveLength(1);
    expect((await store.get(record.commandId))?.record.state).toBe('raised');
    // After that, even a later retry of the same message is a duplicate.
    await handleResult(deps(raise), text, { messageId: 'first', dequeueCount: 3 });
    expect(raised).toHaveLength(1);
  });
});

describe('results bound to the recorded command (issue 13 items 2 and 3)', () => {
  it('a result of another type than the command sent is ignored and recorded', async () => {
    const record = await sentCommand('hyperv.initiateFailback', 'failover');
    const { raised, raise } = counter();
    const wrongType = result(record, {
      type: 'hyperv.replicationState',
      outcome: 'succeeded',
      output: { vm: 'SQL01', replicationState: 'FailbackCompleted' },
    });
    const decision = await handleResult(deps(raise), wrongType, { messageId: 'w1', dequeueCount: 1 });
    expect(decision).toMatchObject({ decision: 'ignored', reason: 'notBound' });
    expect(raised).toHaveLength(0);
    expect(await ignoredFor(record.commandId)).toEqual([
      expect.objectContaining({ reason: 'notBound', detail: expect.stringMatching(/^type:/) }),
    ]);
    expect((await store.get(record.commandId))?.record.state).toBe('open');
    // A failure report of the right type is still accepted.
    const failed = result(record, {
      type: 'hyperv.initiateFailback',
      outcome: 'failed',
      output: null,
      error: { code: 'wmi-32768', message: 'Failed' },
    });
    expect(await handleResult(deps(raise), failed)).toMatchObject({ decision: 'raised' });
  });

  it('a success for a drill-mode state-changing command is ignored and recorded as a security event', async () => {
    const record = await sentCommand('hyperv.initiateFailback', 'drill');
    const { raised, raise } = counter();
    for (const outcome of ['succeeded', 'alreadyDone'] as const) {
      const text = result(record, {
        type: 'hyperv.initiateFailback',
        outcome,
        output: { returnCode: 0, meaning: 'Completed with No Error' },
      });
      expect(await handleResult(deps(raise), text)).toMatchObject({
        decision: 'ignored',
        reason: 'drillViolation',
        security: true,
      });
    }
    expect(raised).toHaveLength(0);
    expect(await ignoredFor(record.commandId)).toEqual([
      expect.objectContaining({ reason: 'drillViolation', security: true }),
      expect.objectContaining({ reason: 'drillViolation', security: true }),
    ]);
    // The refusal the agent should send is raised as usual.
    const refused = result(record, {
      type: 'hyperv.initiateFailback',
      outcome: 'rejected',
      output: null,
      error: { code: 'refusedInDrill', message: 'mode: refused in drill mode' },
    });
    expect(await handleResult(deps(raise), refused)).toMatchObject({ decision: 'raised' });
    expect(raised).toHaveLength(1);
  });
});
