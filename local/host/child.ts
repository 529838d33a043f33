// Import the host first: it answers `@azure/functions-core` before the app loads.
import { startHost } from './host';
import { z } from 'zod';
import { VirtualClock } from '../clock';
import { createLocalSignIn, LOCAL_PEOPLE, type LocalPersonName } from './signIn';

/**
 * The local Functions host in a process of its own, for the crash test (issue 24): the test's
 * world (Azurite, the ARM emulator, the agents) stays up in the parent, and this process is the
 * Functions host that dies with SIGKILL (`LIFEBOAT_LOCAL_CRASH_AT`) and is started again on the
 * same task hub in Azurite. Started with `child_process.fork` on the compiled file; configured by
 * `LIFEBOAT_CHILD_HOST` (JSON, below); driven over the IPC channel on the parent's virtual time:
 * `pass` (settle and wake queue triggers with visible messages), `next` (the earliest durable
 * timer), `advance` (move this clock), `status` (an instance's status). Exits when the parent goes.
 */

const configSchema = z.object({
  appRoot: z.string().min(1),
  /** The compiled app's `main` glob, relative to appRoot. */
  main: z.string().min(1),
  settings: z.record(z.string(), z.string()),
  /** The parent clock's time (ISO 8601): this host's virtual clock starts there. */
  now: z.iso.datetime(),
  tokens: z.record(z.string(), z.string()),
});

const requestSchema = z.discriminatedUnion('op', [
  z.object({ id: z.number(), op: z.literal('pass') }),
  z.object({ id: z.number(), op: z.literal('next') }),
  z.object({ id: z.number(), op: z.literal('advance'), to: z.iso.datetime() }),
  z.object({ id: z.number(), op: z.literal('status'), instanceId: z.string() }),
]);

/** A request from the parent over IPC. */
export type ChildRequest = z.infer<typeof requestSchema>;

async function main(): Promise<void> {
  const parsed = configSchema.safeParse(JSON.parse(process.env['LIFEBOAT_CHILD_HOST'] ?? 'null'));
  if (!parsed.success)
    throw new TypeError(
      `LIFEBOAT_CHILD_HOST: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const config = parsed.data;
  const clock = new VirtualClock(new Date(config.now));
  const tokens = Object.fromEntries(
    Object.entries(config.tokens).filter(([name]) => name in LOCAL_PEOPLE),
  ) as Partial<Record<LocalPersonName, string>>;
  const host = await startHost({
    appRoot: config.appRoot,
    loader: { kind: 'main', main: config.main },
    port: 0,
    clock,
    settings: config.settings,
    timers: false,
    // A message held by a host that died comes back after 5 s (real time) instead of functionTimeout.
    queues: { enabled: true, visibilityTimeoutMs: 0, maxPollingIntervalMs: 100, lockMs: 5_000 },
    signIn: createLocalSignIn(tokens),
    taskHubInStorage: true,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const queues = [...host.functions.values()]
    .map((f) => f.trigger['queueName'])
    .filter((q): q is string => typeof q === 'string');

  const pass = async (): Promise<boolean> => {
    await host.work.idle();
    const looks = await Promise.all(
      queues.map(async (name) => {
        const client = host.queues.clientFor(name);
        if (client === undefined) return 'empty';
        const visible = await client
          .peekMessages()
          .then((r) => r.peekedMessageItems.length > 0)
          .catch(() => false);
        if (visible) {
          host.queues.wake(name);
          return 'waiting';
        }
        // Invisible with nothing running: held by a host that died while processing it. Time
        // stands still until Azurite hands it out again (real time), as it would for a real host.
        const count = await client
          .getProperties()
          .then((p) => p.approximateMessagesCount ?? 0)
          .catch(() => 0);
        return count > 0 ? 'held' : 'empty';
      }),
    );
    const waiting = looks.includes('waiting');
    const held = looks.includes('held');
    if (waiting) await new Promise((resolve) => setTimeout(resolve, 2));
    else if (held) await new Promise((resolve) => setTimeout(resolve, 50));
    return waiting || held || host.work.busy > 0;
  };

  const answer = async (request: ChildRequest): Promise<unknown> => {
    switch (request.op) {
      case 'pass':
        return pass();
      case 'next':
        return host.durable.nextTimerDue()?.toISOString() ?? null;
      case 'advance':
        clock.advanceTo(new Date(request.to));
        return null;
      case 'status':
        return host.durable.getStatus(request.instanceId, { showInput: true }) ?? null;
    }
  };
  process.on('message', (message: unknown) => {
    const request = requestSchema.safeParse(message);
    if (!request.success) return;
    answer(request.data).then(
      (value) => process.send?.({ id: request.data.id, ok: true, value }),
      (error: unknown) =>
        process.send?.({
          id: request.data.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true, origin: host.origin });
}

main().catch((error: unknown) => {
  console.error('local host child failed to start:', error instanceof Error ? error.stack : error);
  process.exit(1);
});
