import { runCli } from './cli';

/**
 * Entry point: `node dist/agent/main.js --config <file>`. Validates the configuration and the
 * environment, then polls until SIGTERM/SIGINT, finishing the command in hand before exiting
 * (agent/cli.ts).
 */
runCli(process.argv.slice(2), {
  env: process.env,
  stderr: (line) => console.error(line),
  signals: process,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.name : 'agent failed');
    process.exitCode = 1;
  },
);
