import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The well-known Azurite development account (public, documented; the only key allowed in the repo). */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
/** The well-known Azurite development key (public; see the Azurite README). */
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A running Azurite (blob + queue) in its own process. */
export interface AzuriteHandle {
  /** `http://127.0.0.1:{port}/devstoreaccount1` (path-style, as Azurite expects). */
  blobEndpoint: string;
  queueEndpoint: string;
  /** Connection string for the SDKs and `AzureWebJobsStorage`, derived from the real ports. */
  connectionString: string;
  accountName: 'devstoreaccount1';
  accountKey: string;
  /** Stops the process and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options for {@link startAzurite}. */
export interface AzuriteOptions {
  /** Do not forward Azurite's own output (default true). */
  silent?: boolean;
  /** Give up starting after this many milliseconds (default 30 s: the machine may be busy). */
  startTimeoutMs?: number;
  /**
   * A folder Azurite keeps its data in (`--location`; created if missing), so blobs and queues
   * outlive the process (`LIFEBOAT_LOCAL_DATA`). Default: in memory.
   */
  location?: string;
}

const WATCHDOG =
  "process.stdin.on('end',()=>process.exit(0));process.stdin.on('error',()=>process.exit(0));process.stdin.resume();";
/**
 * With a data folder: Azurite saves its metadata every 5 s, and on SIGTERM; so the parent's death
 * sends it SIGTERM (it saves and exits), with a hard exit if that hangs.
 */
const SAVING_WATCHDOG =
  "const bye=()=>{process.kill(process.pid,'SIGTERM');setTimeout(()=>process.exit(0),10000).unref();};process.stdin.on('end',bye);process.stdin.on('error',bye);process.stdin.resume();";

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at https?:\/\/[^:]+:(\d+)/g;

/**
 * Starts Azurite from the installed npm package as a child process of the same Node binary:
 * in memory (or in `location`), on 127.0.0.1, on ports the OS chooses (never the fixed 10000-10002, which other
 * processes may hold), telemetry off. The real ports are read back from Azurite's start-up lines.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const silent = options.silent ?? true;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const script = require.resolve('azurite/dist/src/azurite.js');
  // Azurite refuses --location with --inMemoryPersistence, so it works in the cwd; give it an
  // empty temporary one so nothing it might write (debug logs, a stray lock) lands in the repo.
  const location = options.location === undefined ? undefined : path.resolve(options.location);
  if (location !== undefined) await mkdir(location, { recursive: true });
  const cwd = location ?? (await mkdtemp(path.join(tmpdir(), 'lifeboat-azurite-')));
  const args = [
    // Watchdog: if this process dies without calling stop() (a killed test run), the stdin pipe
    // closes and Azurite exits instead of lingering as an orphan holding memory and ports.
    '--import',
    `data:text/javascript,${encodeURIComponent(location === undefined ? WATCHDOG : SAVING_WATCHDOG)}`,
    script,
    ...(location === undefined
      ? [
          '--inMemoryPersistence',
          // The default limit is half the machine's memory; tests store kilobytes.
          '--extentMemoryLimit',
          '256',
        ]
      : ['--location', location]),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    // Newer SDKs send headers Azurite does not know; loose mode ignores them instead of failing.
    '--loose',
    '--silent',
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    '0',
    // The table service cannot be switched off in the combined binary: park it on a free port too.
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    '0',
  ];
  const child = spawn(process.execPath, args, {
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, AZURITE_ACCOUNTS: undefined },
  });

  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
  });

  let ports: { blob: number; queue: number };
  try {
    ports = await waitForPorts(child, silent, startTimeoutMs);
  } catch (error) {
    await kill(child, exited);
    if (location === undefined) await rm(cwd, { recursive: true, force: true });
    throw error;
  }

  const blobEndpoint = `http://127.0.0.1:${ports.blob}/${AZURITE_ACCOUNT_NAME}`;
  const queueEndpoint = `http://127.0.0.1:${ports.queue}/${AZURITE_ACCOUNT_NAME}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};` +
    `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};`;

  let stopping: Promise<void> | undefined;
  return {
    blobEndpoint,
    queueEndpoint,
    connectionString,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    stop() {
      stopping ??= (async () => {
        await kill(child, exited);
        if (location === undefined) await rm(cwd, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

function waitForPorts(
  child: ChildProcess,
  silent: boolean,
  timeoutMs: number,
): Promise<{ blob: number; queue: number }> {
  return new Promise((resolve, reject) => {
    const found = new Map<string, number>();
    let output = '';
    const timer = setTimeout(() => {
      finish(
        new Error(
          `Azurite did not start within ${timeoutMs} ms (retrying may help on a busy machine). Output:\n${output}`,
        ),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (!silent) process.stderr.write(text);
      output = (output + text).slice(-8_000);
      for (const m of output.matchAll(LISTENING)) {
        const [, service = '', port = ''] = m;
        found.set(service, Number(port));
      }
      const blob = found.get('Blob');
      const queue = found.get('Queue');
      // Wait for Table too, so Azurite has finished its start-up sequence before we hand it out.
      if (blob !== undefined && queue !== undefined && found.has('Table')) finish(undefined, { blob, queue });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      finish(
        new Error(
          `Azurite exited during start-up (code ${code ?? 'none'}, signal ${signal ?? 'none'}). Output:\n${output}`,
        ),
      );
    };
    const finish = (error: Error | undefined, ports?: { blob: number; queue: number }) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      // Keep draining the pipes so a chatty child never blocks on a full buffer.
      if (silent) {
        child.stdout?.resume();
        child.stderr?.resume();
      } else {
        child.stdout?.on('data', (c: Buffer) => process.stderr.write(c));
        child.stderr?.on('data', (c: Buffer) => process.stderr.write(c));
      }
      if (error) reject(error);
      else if (ports) resolve(ports);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // SIGTERM lets Azurite close its servers; fall back to SIGKILL if it hangs.
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
