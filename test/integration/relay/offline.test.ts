import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, signResult, type ResultEnvelopeInput } from '../../../shared/contracts';
import type { RunAgentCommandOutcome } from '../../../shared/relay/contracts';
import { relayApp } from './app';
import { startRelayWorld, type RelayWorld } from './helpers';
import { startAsLifeboat } from '../../helpers/tickets';

/**
 * No agent runs here: the tests play the agent (or an attacker) by writing to `agent-results`
 * themselves, and let the virtual clock fire the timeouts.
 */

const timeouts = { deliveryMs: 60_000, executionMs: 60_000, maxAttempts: 2 };
let world: RelayWorld;

beforeAll(async () => {
  world = await startRelayWorld({ app: relayApp });
});
afterAll(async () => {
  await world?.stop();
});

const eventsRaised = (id: string) => world.host.getHistory(id).filter((e) => e['EventType'] === 15);
const awaiting = (id: string) =>
  world.waitUntil(id, (s) => (s.customStatus as { phase?: string } | null)?.phase === 'awaitingResult');
const commandIdOf = (s: { customStatus: unknown }) => (s.customStatus as { commandId: string }).commandId;

function pingResult(
  commandId: string,
  instanceId: string,
  commandHash: string,
  key = world.agentKey,
  keyId = world.agentKeyId,
  agentId = world.agentId,
) {
  const at = world.clock.now().toISOString();
  const input = {
    commandId,
    instanceId,
    commandHash,
    agentId,
    site: world.site,
    type: 'agent.ping',
    outcome: 'succeeded',
    output: { agentId, site: world.site, executor: 'simulated', version: '1.0.0' },
    timings: { receivedAt: at, finishedAt: at },
  } as ResultEnvelopeInput;
  return signResult(input, key.privateKey, keyId);
}

async function ignoredCount(min: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await world.store.listIgnored()).length >= min) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${min} ignored results were recorded`);
}

describe('relay with no agent', () => {
  it('times out on the virtual clock, asks for state before re-sending a failback, and reports timedOut', async () => {
    const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'runAgentCommand', {
      site: world.site,
      type: 'hyperv.initiateFailback',
      params: { vm: 'vm-01' },
      mode: 'failover',
      timeouts,
    });
    const status = await world.waitFor(id);
    expect(status.runtimeStatus).toBe('Completed');
    const outcome = status.output as RunAgentCommandOutcome;
    expect(outcome.outcome).toBe('timedOut');
    expect(outcome.error?.code).toBe('timedOut');
    // The failback once, then a replication-state query (never a blind second failback).
    const sent = world.host
      .getHistory(id)
      .filter((e) => e['EventType'] === 4 && e['Name'] === 'sendAgentCommand');
    expect(sent.map((e) => (JSON.parse(e['Input'] as string) as { type: string }).type)).toEqual([
      'hyperv.initiateFailback',
      'hyperv.replicationState',
    ]);
    expect(outcome.commandIds).toHaveLength(2);
    // Both waits ended on the durable timer, two minutes each, on the virtual clock.
    expect(world.clock.now().getTime() - new Date('2026-01-01T00:00:00Z').getTime()).toBeGreaterThanOrEqual(
      240_000,
    );
    for (const commandId of outcome.commandIds)
      expect((await world.store.get(commandId))?.record.state).toBe('closed');
    expect(eventsRaised(id)).toEqual([]);

    // A result arriving after the decision is late: recorded, never raised.
    const first = (await world.store.get(outcome.commandIds[0]!))!.record;
    const at = world.clock.now().toISOString();
    const late = signResult(
      {
        commandId: first.commandId,
        instanceId: id,
        commandHash: first.commandHash,
        agentId: world.agentId,
        site: world.site,
        type: 'hyperv.initiateFailback',
        outcome: 'succeeded',
        output: {
          returnCode: 4096,
          meaning: 'Method Parameters Checked - Job Started',
          jobId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
        },
        timings: { receivedAt: at, finishedAt: at },
      },
      world.agentKey.privateKey,
      world.agentKeyId,
    );
    const before = (await world.store.listIgnored()).length;
    await world.host.enqueue('agent-results', late.text);
    await ignoredCount(before + 1);
    expect((await world.store.listIgnored()).at(-1)).toMatchObject({
      reason: 'late',
      commandId: first.commandId,
    });
    expect(eventsRaised(id)).toEqual([]);
  });

  it('results signed by another agent, for another command, or unsigned never reach the orchestration', async () => {
    const id = await world.host.startOrchestration('runAgentCommand', {
      site: world.site,
      type: 'agent.ping',
      mode: 'drill',
      timeouts: { ...timeouts, maxAttempts: 1 },
    });
    const commandId = commandIdOf(await awaiting(id));
    const record = (await world.store.get(commandId))!.record;
    const before = (await world.store.listIgnored()).length;

    const stranger = generateSigningKeyPair();
    const forged = pingResult(commandId, id, record.commandHash, stranger, 'agent-x-1');
    const otherCommand = pingResult(commandId, id, 'a'.repeat(64));
    const unknownCommand = pingResult('0f8fad5b-d9cb-469f-a165-70867728950e', id, record.commandHash);
    const genuine = pingResult(commandId, id, record.commandHash);
    const unsigned = { ...genuine.message, sig: 'A'.repeat(86) + '==' };
    const impostor = pingResult(
      commandId,
      id,
      record.commandHash,
      world.agentKey,
      world.agentKeyId,
      'agent-b',
    );

    for (const text of [
      forged.text,
      otherCommand.text,
      unknownCommand.text,
      JSON.stringify(unsigned),
      impostor.text,
      'not a result',
    ]) {
      await world.host.enqueue('agent-results', text);
    }
    await ignoredCount(before + 6);
    const reasons = (await world.store.listIgnored())
      .slice(before)
      .map((e) => e.reason)
      .sort();
    expect(reasons).toEqual([
      'agentMismatch',
      'badSignature',
      'malformed',
      'notBound',
      'unknownCommand',
      'unknownKey',
    ]);

    const status = await world.waitFor(id);
    expect((status.output as RunAgentCommandOutcome).outcome).toBe('timedOut');
    expect(eventsRaised(id)).toEqual([]);
    // Nothing was retried into the poison queue: each was completed with its reason.
    expect(await world.host.drainPoison('agent-results')).toEqual([]);
  });

  it('the first valid result wins; a duplicate is recorded and not raised', async () => {
    const id = await world.host.startOrchestration('runAgentCommand', {
      site: world.site,
      type: 'agent.ping',
      mode: 'drill',
      timeouts,
    });
    const commandId = commandIdOf(await awaiting(id));
    const record = (await world.store.get(commandId))!.record;
    const before = (await world.store.listIgnored()).length;
    const result = pingResult(commandId, id, record.commandHash);
    await world.host.enqueue('agent-results', result.text);
    await world.host.enqueue('agent-results', result.text);
    await ignoredCount(before + 1);
    const status = await world.waitFor(id);
    const outcome = status.output as RunAgentCommandOutcome;
    expect(outcome).toMatchObject({ outcome: 'succeeded', attempts: 1, output: { agentId: world.agentId } });
    expect(eventsRaised(id)).toHaveLength(1);
    expect((await world.store.listIgnored()).slice(before).map((e) => e.reason)).toEqual(['duplicate']);
    expect((await world.store.get(commandId))?.record).toMatchObject({
      state: 'raised',
      agentId: world.agentId,
      outcome: 'succeeded',
    });
  });
});
