// Import the host first: it answers `@azure/functions-core` before the app loads.
import './host/host';
import path from 'node:path';
import { startLocalLifeboat } from './lifeboat';
import { signInLines } from './host/signIn';

/**
 * `npm start`: builds Lifeboat and runs it on the embedded local Azure stack. Port from PORT
 * (default 7071). Ctrl-C (SIGINT) or SIGTERM stops everything it started.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? '7071');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`PORT must be a whole number from 0 to 65535 (got '${process.env.PORT ?? ''}')`);
  }
  const appRoot = path.resolve(__dirname, '../..');
  // LIFEBOAT_LOCAL_DATA: a folder for Azurite's data and the durable task hub (default in memory).
  const data = process.env['LIFEBOAT_LOCAL_DATA'];
  const lifeboat = await startLocalLifeboat({
    appRoot,
    port,
    ...(data === undefined || data === '' ? {} : { data }),
  });
  console.log('Lifeboat is running on the local Azure stack:');
  for (const line of lifeboat.describe()) console.log(`  ${line}`);
  for (const line of signInLines(lifeboat.host.origin, lifeboat.host.signIn)) console.log(line);
  console.log('Press Ctrl-C to stop.');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    lifeboat.stop().then(
      () => {
        console.log('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('Stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('Lifeboat failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
