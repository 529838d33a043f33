import * as df from 'durable-functions';
import { redact } from '../../shared/config/redact';
import { errorMessage, NonRetryableError, TransientError, classifyError } from '../../shared/errors';
import {
  parseRelayInput,
  sendAgentCommandInputSchema,
  type SendAgentCommandOutput,
} from '../../shared/relay/contracts';
import { relayDeps } from '../../shared/relay/deps';
import { sendCommand } from '../../shared/relay/send';
import { relayFunctions } from '../names/relay';

/**
 * Signs a command with the app's key (read here from configuration; it never reaches the
 * orchestration) and sends it to `agent-<site>-commands`. Returns ids and the command hash only.
 * Idempotent: the orchestration supplies the command id and issue time.
 */
export async function sendAgentCommand(input: unknown): Promise<SendAgentCommandOutput> {
  try {
    const parsed = parseRelayInput(sendAgentCommandInputSchema, input, relayFunctions.sendAgentCommand);
    const deps = relayDeps();
    return await sendCommand(
      {
        signing: deps.keys.signing,
        sites: deps.config.relay.sites,
        ttlSeconds: deps.config.relay.commandTtlSeconds,
        store: deps.store,
        queue: deps.queue,
        now: () => new Date(),
      },
      parsed,
    );
  } catch (error) {
    throw toActivityError(error);
  }
}

/** Keeps the taxonomy marker and removes anything secret-shaped from the message. */
function toActivityError(error: unknown): Error {
  const message = redact(errorMessage(error));
  const cls = classifyError(error);
  if (cls === 'nonRetryable')
    return new NonRetryableError(message.replace(/^\[nonRetryable\] /, ''), {
      code: (error as { code?: string }).code ?? 'NonRetryable',
    });
  if (cls === 'transient')
    return new TransientError(message.replace(/^\[transient\] /, ''), {
      code: (error as { code?: string }).code ?? 'Transient',
    });
  return new TransientError(message, { code: 'Unexpected' });
}

df.app.activity(relayFunctions.sendAgentCommand, { handler: sendAgentCommand });
