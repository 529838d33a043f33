import * as df from 'durable-functions';
import { closeAgentCommandInputSchema, parseRelayInput } from '../../shared/relay/contracts';
import { relayDeps } from '../../shared/relay/deps';
import { closeCommand } from '../../shared/relay/results';
import { relayFunctions } from '../names/relay';

/**
 * Marks a sent command closed when the orchestration stops waiting for it (timeout), so a result
 * arriving later is recorded as late and never raised. Returns what it found.
 */
export async function closeAgentCommand(
  input: unknown,
): Promise<{ state: 'closed' | 'alreadyAnswered' | 'unknown' }> {
  const { commandId, reason } = parseRelayInput(
    closeAgentCommandInputSchema,
    input,
    relayFunctions.closeAgentCommand,
  );
  return { state: await closeCommand(relayDeps().store, commandId, reason, new Date()) };
}

df.app.activity(relayFunctions.closeAgentCommand, { handler: closeAgentCommand });
