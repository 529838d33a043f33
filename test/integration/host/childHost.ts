import { execFile, fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Clock } from '../../../local/clock';
import type { InstanceStatus } from '../../../local/host/durable/engine';
import { createLocalSignIn, LOCAL_PEOPLE, type LocalPersonName } from '../../../local/host/signIn';
import type { ExternalHost } from '../../../local/world';

/**
 * The local Functions host in a child process (local/host/child.ts) for the crash test: the
 * parent keeps Azurite, the ARM emulator and the agents, and starts the host again, on the same
 * task hub in Azurite, whenever it dies. Each start takes the next crash point of a list
 * (`LIFEBOAT_LOCAL_CRASH_AT`), so one run can be killed at several points in turn.
 */

/** Where the compiled app and host go (ignored by git, prettier and eslint). */
export const BUILD_DIR = path.join('test-artifacts', 'crash-build');

/** Compiles the app and the local host (tsconfig.build.json) into {@link BUILD_DIR}, incrementally. */
export async function buildForChild(appRoot: string): Promise<void> {
  const outDir = path.join(appRoot, BUILD_DIR);
  await promisify(execFile)(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      path.join(appRoot, 'tsconfig.build.json'),
      '--outDir',
      outDir,
      '--incremental',
      '--tsBuildInfoFile',
      path.join(outDir, '.tsbuildinfo'),
    ],
    { cwd: appRoot },
  );
}

/** The host process of the moment, with what the test reads back. */
export interface ChildHost extends ExternalHost {
  /** fetch against the host of the moment, signed in as `as`; retried across a crash and restart. */
  fetch(route: string, init?: RequestInit & { as?: LocalPersonName }): Promise<Response>;
  status(instanceId: string): Promise<InstanceStatus | undefined>;
  /** Every line the host processes wrote (host and function logs). */
  readonly logs: string[];
  /** The crash points reached (the host killed itself there), in order. */
  readonly crashed: string[];
  /** How many host processes were started. */
  readonly starts: number;
  /** Starts the first host process. */
  start(settings: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * A child host on `clock`'s time; `crashPoints` are used one per process start (the first start
 * takes the first; a start after a crash the next; then none).
 */
export function childHost(options: {
  appRoot: string;
  clock: Clock;
  crashPoints: readonly string[];
}): ChildHost {
  const tokens = Object.fromEntries(
    (Object.keys(LOCAL_PEOPLE) as LocalPersonName[]).map((p) => [p, `crash-test-${p}-token`]),
  );
  const signIn = createLocalSignIn(tokens);
  const logs: string[] = [];
  const crashed: string[] = [];
  let settings: Record<string, string> = {};
  let child: ChildProcess | undefined;
  let origin = '';
  let starts = 0;
  let nextId = 1;
  let stopping = false;
  const pending = new Map<number, Pending>();
  let starting: Promise<void> | undefined;

  const launch = async (): Promise<void> => {
    const point = options.crashPoints[starts];
    starts++;
    const proc = fork(path.join(options.appRoot, BUILD_DIR, 'local', 'host', 'child.js'), [], {
      cwd: options.appRoot,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        LIFEBOAT_CHILD_HOST: JSON.stringify({
          appRoot: options.appRoot,
          main: `${BUILD_DIR}/functions/**/*.js`,
          settings: { ...settings, ...(point === undefined ? {} : { LIFEBOAT_LOCAL_CRASH_AT: point }) },
          now: options.clock.now().toISOString(),
          tokens,
        }),
      },
    });
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        logs.push(line);
        if (process.env['LIFEBOAT_HOST_LOG'] === '1') console.log(`[host ${starts}] ${line}`);
        const m = /LIFEBOAT_LOCAL_CRASH_AT: killing the host at (\S+)/.exec(line);
        if (m) crashed.push(m[1]!);
      }
    };
    proc.stdout?.on('data', onLine);
    proc.stderr?.on('data', onLine);
    proc.on('message', (message: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
      if (message.id === undefined) return;
      const p = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok === true) p?.resolve(message.value);
      else p?.reject(new Error(message.error ?? 'child host error'));
    });
    proc.once('exit', () => {
      if (child === proc) child = undefined;
      for (const p of pending.values()) p.reject(new Error('the host process died'));
      pending.clear();
    });
    await new Promise<void>((resolve, reject) => {
      const onReady = (message: { ready?: boolean; origin?: string }) => {
        if (message.ready !== true) return;
        proc.off('message', onReady);
        proc.off('exit', onExit);
        origin = message.origin ?? '';
        resolve();
      };
      const onExit = (code: number | null, signal: string | null) =>
        reject(
          new Error(
            `the host process exited while starting (${code ?? signal}): ${logs.slice(-20).join('\n')}`,
          ),
        );
      proc.on('message', onReady);
      proc.once('exit', onExit);
    });
    child = proc;
  };

  /** The host process, started again if the last one died. */
  const alive = async (): Promise<ChildProcess> => {
    if (stopping) throw new Error('the child host is stopping');
    while (child === undefined) {
      starting ??= launch().finally(() => (starting = undefined));
      await starting;
    }
    return child;
  };

  const call = async (request: Record<string, unknown>): Promise<unknown> => {
    const proc = await alive();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      proc.send({ ...request, id });
    });
  };
  /** A call that, when the host dies under it, is answered `dead` (the next call starts a new one). */
  const tolerant = async <T>(request: Record<string, unknown>, dead: T): Promise<T> => {
    try {
      return (await call(request)) as T;
    } catch (error) {
      if (child === undefined && !stopping) return dead;
      throw error;
    }
  };

  return {
    logs,
    crashed,
    get starts() {
      return starts;
    },
    async start(s) {
      settings = s;
      await alive();
    },
    // A host that died is busy: the next look starts a new one.
    pass: () => tolerant({ op: 'pass' }, true),
    async nextTimerDue() {
      const next = await tolerant<string | null>({ op: 'next' }, null);
      return next === null ? undefined : new Date(next);
    },
    async advanceTo(at) {
      await tolerant({ op: 'advance', to: at.toISOString() }, null);
    },
    async status(instanceId) {
      const s = await tolerant<InstanceStatus | null>({ op: 'status', instanceId }, null);
      return s ?? undefined;
    },
    async fetch(route, init = {}) {
      const { as, ...rest } = init;
      for (let attempt = 1; ; attempt++) {
        await alive();
        const headers = new Headers(rest.headers);
        headers.set('authorization', signIn.headersFor(as ?? 'lead').authorization!);
        try {
          return await fetch(new URL(route, origin), { ...rest, headers });
        } catch (error) {
          // The host died under the request: ask the next one (the request is idempotent or
          // create-only in every use here).
          if (attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
    async stop() {
      stopping = true;
      const proc = child;
      if (proc === undefined) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
