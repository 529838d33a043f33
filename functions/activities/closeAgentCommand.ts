import { activity } from '../kit';
import { relay } from '../names/relay';

/**
 * Marks a sent command closed when the orchestration stops waiting for it (timeout), so a result
 * arriving later is recorded as late and never raised. Returns what it found.
 */
activity(relay.closeAgentCommand, {
  input: async () => (await import('../../shared/relay/contracts')).closeAgentCommandInputSchema,
  handler: async ({ commandId, reason }) => {
    const { relayDeps } = await import('../../shared/relay/deps');
    const { closeCommand } = await import('../../shared/relay/results');
    return { state: await closeCommand((await relayDeps()).store, commandId, reason, new Date()) };
  },
});
