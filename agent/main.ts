import { run } from './agent';
import { loadAgentConfig } from './config';

/**
 * Entry point: `node dist/agent/main.js --config <file>`. Validates the configuration and the
 * environment, then polls until SIGTERM/SIGINT, finishing the command in hand before exiting.
 */
async function main(argv: readonly string[]): Promise<void> {
  const at = argv.indexOf('--config');
  const file = at >= 0 ? argv[at + 1] : undefined;
  if (file === undefined) {
    console.error('usage: node dist/agent/main.js --config <agent.json>');
    process.exitCode = 2;
    return;
  }
  const config = loadAgentConfig(file, process.env);
  const controller = new AbortController();
  const stop = (sig: string) => {
    console.error(`agent: ${sig} received, stopping after the command in hand`);
    controller.abort(new Error(sig));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  console.error(
    `agent ${config.agentId} for site ${config.site}: polling ${config.queue.commandsQueue} (${config.executor.kind} executor)`,
  );
  await run(config, {}, controller.signal);
  console.error('agent: stopped');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Configuration errors name fields and rules, never values.
  console.error(error instanceof Error ? error.message : 'agent failed');
  process.exitCode = 1;
});
