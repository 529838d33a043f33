import { redact } from '../shared/redact';
import { run, type AgentDeps } from './agent';
import { loadAgentConfig } from './config';

/** What the command line needs from its process (the real one in main.ts; plain objects in tests). */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** One line for a person (standard error). */
  readonly stderr: (line: string) => void;
  /** Where SIGINT and SIGTERM arrive (`process`). */
  readonly signals: {
    once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
    removeListener(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  };
  /** Test seams passed on to `run`. */
  readonly deps?: AgentDeps;
}

/**
 * What a person reads of an error: the message without the retry-taxonomy marker
 * (`[nonRetryable]`, `[transient]`: meant for code that classifies errors), redacted.
 */
export function messageForPerson(error: unknown): string {
  const text =
    error instanceof Error ? error.message : typeof error === 'string' ? error : 'the agent failed';
  return redact(text.replace(/^\[(?:nonRetryable|transient)\]\s*/, ''));
}

/**
 * `node dist/agent/main.js --config <file>`: validates the configuration and the environment, then
 * polls until SIGINT/SIGTERM. An idle agent stops at once; a busy one after the commands in hand.
 * Returns the exit code: 0 stopped, 1 failed (configuration or a refusal that retrying cannot
 * fix), 2 usage.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const at = argv.indexOf('--config');
  const file = at >= 0 ? argv[at + 1] : undefined;
  if (file === undefined) {
    io.stderr('usage: node dist/agent/main.js --config <agent.json>');
    return 2;
  }
  const controller = new AbortController();
  const stop = (signal: 'SIGINT' | 'SIGTERM') => () => {
    io.stderr(`agent: ${signal} received, stopping (after the commands in hand, if any)`);
    controller.abort(new Error(signal));
  };
  const onInt = stop('SIGINT');
  const onTerm = stop('SIGTERM');
  io.signals.once('SIGINT', onInt);
  io.signals.once('SIGTERM', onTerm);
  try {
    const config = loadAgentConfig(file, io.env);
    await run(config, { log: (m) => io.stderr(m), ...io.deps }, controller.signal);
    io.stderr('agent: stopped');
    return 0;
  } catch (error) {
    // Configuration errors name fields and rules, never values; storage errors are redacted.
    io.stderr(messageForPerson(error));
    return 1;
  } finally {
    io.signals.removeListener('SIGINT', onInt);
    io.signals.removeListener('SIGTERM', onTerm);
  }
}
