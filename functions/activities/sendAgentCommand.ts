import { activity } from '../kit';
import { relay } from '../names/relay';

/**
 * Signs a command with the app's key (read here from configuration; it never reaches the
 * orchestration) and sends it to `agent-<site>-commands`. Returns ids and the command hash only.
 * Idempotent: the orchestration supplies the command id and issue time.
 */
activity(relay.sendAgentCommand, {
  input: async () => (await import('../../shared/relay/contracts')).sendAgentCommandInputSchema,
  handler: async (input) => {
    const { relayDeps } = await import('../../shared/relay/deps');
    const { sendCommand } = await import('../../shared/relay/send');
    const deps = await relayDeps();
    return sendCommand(
      {
        signing: deps.keys.signing,
        sites: deps.config.relay.sites,
        ttlSeconds: deps.config.relay.commandTtlSeconds,
        store: deps.store,
        queue: deps.queue,
        now: () => new Date(),
      },
      input,
    );
  },
});
