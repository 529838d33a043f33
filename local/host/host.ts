import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { RealClock, type Clock } from '../clock';
import {
  blobTaskHubStore,
  CrashPoints,
  DurableEngine,
  parseCrashPoints,
  type DurableTaskHub,
} from './durable/engine';
import { durableClientBindingData, handleDurableApi } from './durable/api';
import { WorkTracker } from './idle';
import { FunctionInvocationError, invokeFunction, type LoadedFunction } from './invoke';
import { QueueTriggers, sendQueueOutput } from './queues';
import { installCoreShim, type BindingMetadata, type Registry, type RpcTypedData } from './registry';
import { compileRoute, stripPrefix, type CompiledRoute } from './routes';
import { applySignIn, createLocalSignIn, type LocalSignIn } from './signIn';
import { readHostConfig, resolveBindingOptions, type HostConfig } from './settings';
import { TimerTriggers, type TimerPayload } from './timers';

// Answer `@azure/functions-core` as soon as the host is imported, before any app module loads.
const registry: Registry = installCoreShim();

/** How the host loads the app. */
export type AppLoader =
  /** Resolve `main` (a file or glob, default: package.json `main`) under appRoot and `require` each file. */
  | { readonly kind?: 'main'; readonly main?: string; readonly importer?: (file: string) => Promise<unknown> }
  /** Call a function that imports the app (vitest: `() => import('./fixtures/app')`). */
  | { readonly kind: 'custom'; readonly load: () => Promise<unknown> };

/** Options for {@link startHost}. */
export interface HostOptions {
  /** The app's root: host.json and package.json are read from here. */
  readonly appRoot: string;
  /** How to load the app (default: package.json `main` with plain require). */
  readonly loader?: AppLoader;
  /** HTTP port on 127.0.0.1 (0 = any free port). Default 7071. */
  readonly port?: number;
  /** App settings: applied to process.env for the host's lifetime and used for `%Name%`. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Time source for durable timers, retries and timer triggers. Default: the real clock. */
  readonly clock?: Clock;
  /** Receives log lines (app logs and host messages). Default: console.log. */
  readonly log?: (line: string) => void;
  /** Start timer triggers (default true). */
  readonly timers?: boolean;
  /**
   * Activities to deliver twice, as the real host may (at-least-once delivery): see
   * `DurableEngine.duplicateActivities`. Default: none.
   */
  readonly duplicateActivities?: (name: string) => boolean;
  /**
   * The local people's development tokens (local/host/signIn.ts): the host plays App Service
   * Authentication with them. Default: fresh random tokens.
   */
  readonly signIn?: LocalSignIn;
  /**
   * The durable task hub of a host stopped before this one (`host.durable.detach()`): a restart or
   * a deployment on the same task hub. Default: an empty task hub.
   */
  readonly durableTaskHub?: DurableTaskHub;
  /**
   * Keep the durable task hub in storage (AzureWebJobsStorage, as the Azure Storage provider
   * does: local/host/durable/store.ts) instead of process memory, so a host killed and started
   * again on the same storage carries on every run. Default false (in memory).
   */
  readonly taskHubInStorage?: boolean;
  /**
   * What the host does at a crash point of `LIFEBOAT_LOCAL_CRASH_AT` (local/host/durable/crash.ts).
   * Default: SIGKILL to this process.
   */
  readonly crash?: () => void;
  /** Queue polling overrides (real time; see local/README.md). */
  readonly queues?: {
    /** Start queue triggers (default true when the app has any). */
    readonly enabled?: boolean;
    /** Overrides host.json visibilityTimeout (delay before a failed message is retried). */
    readonly visibilityTimeoutMs?: number;
    /** Overrides host.json maxPollingInterval. */
    readonly maxPollingIntervalMs?: number;
    /**
     * How long a message is held while processed (default: host.json functionTimeout): a host
     * that dies holding one leaves it invisible that long, as on the real queues (the crash test
     * shortens it).
     */
    readonly lockMs?: number;
  };
}

/** A running host. */
export interface LocalHost {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  readonly clock: Clock;
  readonly config: HostConfig;
  readonly durable: DurableEngine;
  readonly timers: TimerTriggers;
  readonly queues: QueueTriggers;
  readonly work: WorkTracker;
  /** The app's functions, by lower-cased name. */
  readonly functions: ReadonlyMap<string, LoadedFunction>;
  /** Who can sign in and with which token (the host's stand-in for App Service Authentication). */
  readonly signIn: LocalSignIn;
  /** Invokes a non-HTTP function now (the real host's `POST /admin/functions/{name}`). */
  invokeAdmin(name: string, input?: string): Promise<void>;
  /** Stops the server, timers, pollers and durable timers; restores process.env. */
  stop(): Promise<void>;
}

/** Runs the app's `app.hook.appStart` / `appTerminate` handlers in registration order, as the worker does. */
async function runAppHooks(hookName: 'appStart' | 'appTerminate', appRoot: string): Promise<void> {
  for (const hook of registry.hooks.filter((h) => h.hookName === hookName)) {
    try {
      await hook.callback({ hookData: {}, appHookData: {}, functionAppDirectory: appRoot });
    } catch (error) {
      throw new Error(`${hookName} hook failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
}

/** Resolves a `main` value that may be a glob (`*`, `**`) to files under appRoot, sorted. */
export function resolveMain(appRoot: string, main: string): string[] {
  if (!/[*?[]/.test(main)) {
    const file = path.resolve(appRoot, main);
    if (!existsSync(file))
      throw new Error(`main '${main}' does not exist under ${appRoot}; build the app first`);
    return [file];
  }
  const parts = main.replace(/^\.\//, '').split('/');
  const toRegex = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')}$`,
    );
  const out: string[] = [];
  const walk = (dir: string, i: number): void => {
    if (i === parts.length) return;
    const part = parts[i]!;
    if (part === '**') {
      walk(dir, i + 1);
      for (const entry of safeReaddir(dir)) {
        const full = path.join(dir, entry);
        if (entry !== 'node_modules' && statSync(full).isDirectory()) walk(full, i);
      }
      return;
    }
    const re = toRegex(part);
    for (const entry of safeReaddir(dir)) {
      if (!re.test(entry)) continue;
      const full = path.join(dir, entry);
      const isDir = statSync(full).isDirectory();
      if (i === parts.length - 1) {
        if (!isDir) out.push(full);
      } else if (isDir) walk(full, i + 1);
    }
  };
  walk(path.resolve(appRoot), 0);
  return [...new Set(out)].sort();
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function loadApp(appRoot: string, loader: AppLoader | undefined): Promise<void> {
  if (loader?.kind === 'custom') {
    await loader.load();
    return;
  }
  let main = loader?.main;
  if (main === undefined) {
    const pkg = JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as { main?: string };
    if (!pkg.main)
      throw new Error(`package.json in ${appRoot} has no "main"; the host cannot find the app's functions`);
    main = pkg.main;
  }
  const files = resolveMain(appRoot, main);
  if (files.length === 0)
    throw new Error(`main '${main}' matched no files under ${appRoot}; build the app first`);
  const req = createRequire(path.join(appRoot, 'package.json'));
  for (const file of files) {
    if (loader?.importer) await loader.importer(file);
    else req(file);
  }
}

const SUPPORTED_BINDINGS = new Set([
  'httpTrigger',
  'http',
  'timerTrigger',
  'queueTrigger',
  'queue',
  'activityTrigger',
  'orchestrationTrigger',
  'durableClient',
  'orchestrationClient',
]);

function buildFunctionTable(
  settings: Readonly<Record<string, string | undefined>>,
): Map<string, LoadedFunction> {
  const table = new Map<string, LoadedFunction>();
  for (const [key, reg] of registry.functions) {
    const bindings: Record<string, BindingMetadata> = {};
    let triggerName: string | undefined;
    for (const [name, binding] of Object.entries(reg.bindings)) {
      if (!SUPPORTED_BINDINGS.has(binding.type)) {
        throw new Error(
          `Function '${reg.name}': binding '${name}' of type '${binding.type}' is not supported by the local host (supported: ${[...SUPPORTED_BINDINGS].join(', ')})`,
        );
      }
      bindings[name] = resolveBindingOptions(reg.name, binding, settings);
      if (binding.type.endsWith('Trigger')) triggerName = name;
    }
    if (triggerName === undefined) throw new Error(`Function '${reg.name}' has no trigger binding`);
    table.set(key, {
      name: reg.name,
      bindings,
      registration: reg,
      triggerName,
      trigger: bindings[triggerName]!,
    });
  }
  return table;
}

let running: { stop(): Promise<void> } | undefined;

/**
 * Starts the local Functions host on the app: loads the app (once per process), captures its
 * registrations, serves HTTP triggers and the Durable HTTP API, and runs timers and queue
 * triggers. One host runs at a time per process; starting another stops nothing for you.
 */
export async function startHost(options: HostOptions): Promise<LocalHost> {
  if (running)
    throw new Error(
      'A local host is already running in this process; stop it first (one app per process, like the real worker)',
    );
  const clock = options.clock ?? new RealClock();
  const log = options.log ?? ((line: string) => console.log(line));
  const config = readHostConfig(options.appRoot, { ...process.env, ...(options.settings ?? {}) });
  const settings = { ...(options.settings ?? {}) };

  // Apply settings for the host's lifetime (the app reads configuration from the environment).
  const savedEnv = new Map<string, string | undefined>();
  const setEnv = (k: string, v: string) => {
    if (!savedEnv.has(k)) savedEnv.set(k, process.env[k]);
    process.env[k] = v;
  };
  const restoreEnv = () => {
    for (const [k, v] of savedEnv) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  for (const [k, v] of Object.entries(settings)) setEnv(k, v);

  registry.logSink = (level, category, message) => {
    if (category === 'system' && (level === 'debug' || level === 'trace')) return;
    log(`[${level}] ${message}`);
  };

  let functions: Map<string, LoadedFunction>;
  try {
    registry.appLoaded ??= loadApp(options.appRoot, options.loader);
    await registry.appLoaded;
    functions = buildFunctionTable({ ...process.env, ...settings });
    // The Node worker runs `app.hook.appStart` handlers once the app is loaded, before any
    // invocation; a failing one fails the worker's start, so it fails this host's start too.
    await runAppHooks('appStart', options.appRoot);
  } catch (error) {
    restoreEnv();
    throw error;
  }
  const work = new WorkTracker();
  const signIn = options.signIn ?? createLocalSignIn();
  const lookup = (name: string) => functions.get(name.toLowerCase());
  let origin = '';
  const extraInputsFor = (fn: LoadedFunction): Record<string, RpcTypedData> => {
    const out: Record<string, RpcTypedData> = {};
    for (const [name, b] of Object.entries(fn.bindings)) {
      if (b.direction === 'in' && (b.type === 'durableClient' || b.type === 'orchestrationClient')) {
        out[name] = { string: JSON.stringify(durableClientBindingData(origin, config.durableTask.hubName)) };
      }
    }
    return out;
  };

  let store;
  if (options.taskHubInStorage === true) {
    const connection = settings['AzureWebJobsStorage'] ?? process.env['AzureWebJobsStorage'];
    if (connection === undefined || connection === '' || connection === 'UseDevelopmentStorage=true') {
      restoreEnv();
      throw new Error(
        'taskHubInStorage: AzureWebJobsStorage must be a connection string to the storage the task hub is kept in',
      );
    }
    store = blobTaskHubStore(connection, config.durableTask.hubName);
  }
  let crashPoints;
  try {
    crashPoints = parseCrashPoints(
      settings['LIFEBOAT_LOCAL_CRASH_AT'] ?? process.env['LIFEBOAT_LOCAL_CRASH_AT'],
    );
  } catch (error) {
    restoreEnv();
    throw error;
  }
  const durable = new DurableEngine({
    registry,
    clock,
    work,
    functions: lookup,
    overridableExistingInstanceStates: config.durableTask.overridableExistingInstanceStates,
    maxConcurrentActivityFunctions: config.durableTask.maxConcurrentActivityFunctions,
    ...(options.durableTaskHub === undefined ? {} : { taskHub: options.durableTaskHub }),
    versioning: {
      defaultVersion: config.durableTask.defaultVersion,
      match: config.durableTask.versionMatchStrategy,
      failure: config.durableTask.versionFailureStrategy,
    },
    log,
    ...(store === undefined ? {} : { store }),
    ...(crashPoints.length === 0 ? {} : { crash: new CrashPoints(crashPoints, log, options.crash) }),
    // Activities may bind a durable client too (to start or signal orchestrations).
    extraInputs: (fn) => extraInputsFor(fn),
    ...(options.duplicateActivities === undefined
      ? {}
      : { duplicateActivities: options.duplicateActivities }),
  });

  /** Invokes any non-durable function and applies its output bindings. */
  const invokeWithOutputs = async (
    fn: LoadedFunction,
    trigger: RpcTypedData | undefined,
    triggerMetadata?: Record<string, RpcTypedData>,
  ) => {
    const response = await invokeFunction(registry, fn, {
      trigger,
      extraInputs: extraInputsFor(fn),
      ...(triggerMetadata ? { triggerMetadata } : {}),
    });
    for (const out of response.outputData ?? []) {
      const binding = fn.bindings[out.name];
      if (binding?.type === 'queue') await sendQueueOutput(fn, binding, out.data, settings, config);
    }
    const ret = fn.bindings['$return'];
    if (ret?.type === 'queue') await sendQueueOutput(fn, ret, response.returnValue, settings, config);
    return response;
  };

  const timers = new TimerTriggers(clock, async (fn: LoadedFunction, payload: TimerPayload) => {
    const done = work.begin();
    try {
      await invokeWithOutputs(fn, { json: JSON.stringify(payload) });
    } catch (error) {
      log(`[error] Timer function '${fn.name}' failed: ${describe(error)}`);
    } finally {
      done();
    }
  });
  const queues = new QueueTriggers({
    config,
    settings,
    work,
    log,
    visibilityTimeoutMs: options.queues?.visibilityTimeoutMs ?? config.queues.visibilityTimeoutMs,
    maxPollingIntervalMs: options.queues?.maxPollingIntervalMs ?? config.queues.maxPollingIntervalMs,
    ...(options.queues?.lockMs === undefined ? {} : { lockMs: options.queues.lockMs }),
    invoke: (fn, trigger, metadata) => invokeWithOutputs(fn, trigger, metadata),
  });

  const httpRoutes: { fn: LoadedFunction; route: CompiledRoute; methods: string[] | undefined }[] = [];
  for (const fn of functions.values()) {
    if (fn.trigger.type !== 'httpTrigger') continue;
    const route = compileRoute(typeof fn.trigger['route'] === 'string' ? fn.trigger['route'] : fn.name);
    const methods = Array.isArray(fn.trigger['methods'])
      ? (fn.trigger['methods'] as string[]).map((m) => m.toUpperCase())
      : undefined;
    httpRoutes.push({ fn, route, methods });
  }
  httpRoutes.sort((a, b) => b.route.specificity - a.route.specificity);

  const server: Server = createServer((req, res) => {
    const done = work.begin();
    handleRequest(req, res)
      .catch((error: unknown) => {
        log(`[error] ${req.method} ${req.url}: ${describe(error)}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      })
      .finally(done);
  });
  // A request line or headers over Node's limit (16 KB: a 20 KB URL) get Node's bare 431 with no
  // body; answer it as every other refusal, in JSON (the Functions front end refuses such URLs too).
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const body = JSON.stringify({
      error: tooLarge
        ? {
            code: 'RequestHeaderTooLarge',
            message:
              'the URL or headers are too large (over 16 KB): shorten the URL (use a POST body for long input)',
          }
        : { code: 'BadRequest', message: 'the request could not be parsed as HTTP' },
    });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = (req.method ?? 'GET').toUpperCase();
    const durableSegments =
      stripPrefix(url.pathname, 'runtime/webhooks/durabletask') ?? stripPrefix(url.pathname, 'durabletask');
    if (durableSegments) {
      const answer = handleDurableApi(
        durable,
        config.durableTask.hubName,
        origin,
        method,
        durableSegments.map((s) => decodeURIComponent(s)),
        url.searchParams,
        body.toString('utf8'),
      );
      // As the extension answers once the message is in its queue: written before the answer.
      await durable.flushed();
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      return;
    }
    const admin = stripPrefix(url.pathname, 'admin/functions');
    if (admin && admin.length === 1 && method === 'POST') {
      try {
        const parsed = body.length > 0 ? (JSON.parse(body.toString('utf8')) as { input?: string }) : {};
        await host.invokeAdmin(decodeURIComponent(admin[0]!), parsed.input);
        res.writeHead(202);
      } catch (error) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(describe(error));
        return;
      }
      res.end();
      return;
    }
    const segments = stripPrefix(url.pathname, config.routePrefix);
    const match = segments
      ? httpRoutes
          .map((r) => ({ r, params: r.route.match(segments) }))
          .find((m) => m.params && (!m.r.methods || m.r.methods.includes(method)))
      : undefined;
    if (!match?.params) {
      res.writeHead(404);
      res.end();
      return;
    }
    const sent: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) sent[k] = Array.isArray(v) ? v.join(', ') : v;
    // As App Service Authentication does: principal headers come from the host, never the caller.
    const headers = applySignIn(sent, signIn);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const http = {
      method,
      url: url.href,
      headers,
      query,
      params: match.params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    };
    let response;
    try {
      response = await invokeWithOutputs(match.r.fn, { http });
    } catch (error) {
      log(`[error] HTTP function '${match.r.fn.name}' failed: ${describe(error)}`);
      res.writeHead(500);
      res.end();
      return;
    }
    writeHttpResponse(res, response.returnValue?.http as RpcHttpResponse | undefined);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7071, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  // Status URLs must point at this host's real port (the client rewrites to localhost:7071 otherwise).
  setEnv('WEBSITE_HOSTNAME', `127.0.0.1:${port}`);

  // The task hub in storage: instances carry on once the host listens (they may call it).
  try {
    await durable.load();
  } catch (error) {
    server.closeAllConnections();
    server.close();
    restoreEnv();
    throw new Error(
      `loading the durable task hub from storage failed (retrying may help if storage is starting): ${describe(error)}`,
      { cause: error },
    );
  }

  if (options.timers !== false) {
    timers.start([...functions.values()].filter((f) => f.trigger.type === 'timerTrigger'));
  }
  if (options.queues?.enabled !== false) {
    queues.start([...functions.values()].filter((f) => f.trigger.type === 'queueTrigger'));
  }

  let stopped = false;
  const host: LocalHost = {
    origin,
    port,
    clock,
    config,
    durable,
    timers,
    queues,
    work,
    functions,
    signIn,
    async invokeAdmin(name, input) {
      const fn = lookup(name);
      if (!fn) throw new Error(`No function named '${name}'`);
      if (fn.trigger.type === 'timerTrigger') return timers.fireNow(fn.name);
      if (fn.trigger.type === 'queueTrigger') {
        await invokeWithOutputs(fn, { string: input ?? '' });
        return;
      }
      throw new Error(`Function '${fn.name}' (${fn.trigger.type}) cannot be invoked through the admin API`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await runAppHooks('appTerminate', options.appRoot).catch((error: unknown) =>
        log(`[error] ${error instanceof Error ? error.message : String(error)}`),
      );
      timers.stop();
      await durable.flushed();
      durable.stop();
      await queues.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      restoreEnv();
      registry.logSink = () => undefined;
      running = undefined;
    },
  };
  running = host;
  log(
    `Local Functions host listening on ${origin} (${functions.size} functions; route prefix '/${config.routePrefix}')`,
  );
  return host;
}

interface RpcHttpResponse {
  statusCode?: string;
  headers?: Record<string, string>;
  cookies?: {
    name: string;
    value: string;
    path?: { value: string };
    maxAge?: { value: number };
    httpOnly?: { value: boolean };
    secure?: { value: boolean };
  }[];
  body?: RpcTypedData;
}

function writeHttpResponse(res: ServerResponse, http: RpcHttpResponse | undefined): void {
  if (!http) {
    res.writeHead(204);
    res.end();
    return;
  }
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []).map((c) => {
    const parts = [`${c.name}=${c.value}`];
    if (c.path) parts.push(`Path=${c.path.value}`);
    if (c.maxAge) parts.push(`Max-Age=${c.maxAge.value}`);
    if (c.httpOnly?.value) parts.push('HttpOnly');
    if (c.secure?.value) parts.push('Secure');
    return parts.join('; ');
  });
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const b = http.body;
  const buffer = b?.bytes
    ? Buffer.from(b.bytes)
    : b?.string !== undefined
      ? Buffer.from(b.string)
      : Buffer.alloc(0);
  res.writeHead(Number(http.statusCode ?? 200), headers);
  res.end(buffer);
}

function describe(error: unknown): string {
  const e = error instanceof FunctionInvocationError ? error.thrown : error;
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
