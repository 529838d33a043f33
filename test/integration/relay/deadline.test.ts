import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunAgentCommandOutcome } from '../../../shared/relay/contracts';
import { relayApp } from './app';
import { startRelayWorld, VirtualClock, type RelayWorld } from './helpers';

/**
 * Issue 14, defect 1: a result that arrives at the deadline is not lost. The results trigger
 * claimed the record; the event arrives in the same episode as the timer, so the waiter created
 * before the race holds it while closeAgentCommand runs. A command that ran is never reported
 * timed out. No agent runs here: the test plays the results trigger.
 */
let world: RelayWorld;

beforeAll(async () => {
  world = await startRelayWorld({ app: relayApp });
});
afterAll(async () => {
  await world?.stop();
});

describe('a result at the deadline', () => {
  it('is used when it reached the waiter, whatever closeAgentCommand finds', async () => {
    const id = await world.host.startOrchestration('runAgentCommand', {
      site: world.site,
      type: 'agent.ping',
      mode: 'drill',
      timeouts: { deliveryMs: 60_000, executionMs: 60_000, maxAttempts: 1 },
    });
    const status = await world.waitUntil(
      id,
      (s) => (s.customStatus as { phase?: string } | null)?.phase === 'awaitingResult',
    );
    const { commandId, deadline } = status.customStatus as { commandId: string; deadline: string };
    // As agentResults does: claim the record, then raise the event.
    const found = (await world.store.get(commandId))!;
    await world.store.replace(
      {
        ...found.record,
        state: 'claimed',
        agentId: world.agentId,
        outcome: 'succeeded',
        claimedAt: deadline,
      },
      found.etag,
    );
    const event = {
      commandId,
      commandHash: found.record.commandHash,
      agentId: world.agentId,
      type: 'agent.ping',
      outcome: 'succeeded',
      output: { agentId: world.agentId, site: world.site, executor: 'simulated', version: '1.0.0' },
    };
    // The timer fires and the event arrives together: the timer wins the race.
    await world.host.host.work.idle();
    (world.clock as VirtualClock).advanceTo(new Date(deadline));
    world.host.host.durable.raiseEvent(id, `result-${commandId}`, JSON.stringify(event));
    const done = await world.waitFor(id);
    const outcome = done.output as RunAgentCommandOutcome;
    expect(outcome).toMatchObject({ outcome: 'succeeded', attempts: 1, output: { agentId: world.agentId } });
    // It went through the timeout path: the record was closed-or-found-answered first.
    const closes = world.host
      .getHistory(id)
      .filter((e) => e['EventType'] === 4 && e['Name'] === 'closeAgentCommand');
    expect(closes).toHaveLength(1);
  });
});
