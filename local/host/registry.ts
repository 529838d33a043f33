import Module from 'node:module';

/**
 * Capture of the app's registrations, the way the Node worker does it
 * (docs/reference/local-functions-host.md §1): `@azure/functions` asks for a module named
 * `@azure/functions-core` with a plain `require`, lazily, on the first `app.*` call, and caches a
 * failed lookup for the life of the process. So the answer is installed as a `require` hook when
 * this module is first imported, and the captured registry is process-wide (one app per process,
 * like the real worker): a second host in the same process reuses what the cached app modules
 * registered the first time.
 */

/** Binding metadata as `@azure/functions` hands it to the core API. */
export interface BindingMetadata {
  type: string;
  direction: 'in' | 'out' | 'inout';
  name?: string;
  [option: string]: unknown;
}

/** One registration: `registerFunction(metadata, callback)`. */
export interface RegisteredFunction {
  readonly name: string;
  readonly bindings: Readonly<Record<string, BindingMetadata>>;
  readonly retryOptions: unknown;
  readonly callback: (...args: unknown[]) => unknown;
}

/** The slice of the library's programming model the host drives. */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: unknown): InvocationModel;
}

/** The library's per-invocation conversions (getArguments → invokeFunction → getResponse). */
export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(
    context: unknown,
    inputs: unknown[],
    handler: (...args: unknown[]) => unknown,
  ): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

/** RPC typed data, as the worker protocol carries values. */
export interface RpcTypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  double?: number;
  http?: unknown;
}

/** What `getResponse` returns. */
export interface RpcInvocationResponse {
  invocationId: string;
  outputData?: { name: string; data: RpcTypedData | null | undefined }[];
  returnValue?: RpcTypedData | null;
}

/** A hook registered with `app.hook.*` (kept; see local/README.md for which ones run). */
export interface RegisteredHook {
  readonly hookName: string;
  readonly callback: (context: unknown) => unknown;
}

/** Where log lines from the app (context.log, system logs) go; set by the running host. */
export type CoreLogSink = (level: string, category: string, message: string) => void;

/** The process-wide registry. */
export interface Registry {
  readonly functions: Map<string, RegisteredFunction>;
  readonly hooks: RegisteredHook[];
  programmingModel: ProgrammingModel | undefined;
  logSink: CoreLogSink;
  /** Set once the app's entry has been loaded in this process. */
  appLoaded: Promise<void> | undefined;
}

class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => {
      for (const item of items) item.dispose();
    });
  }
  #callOnDispose: (() => unknown) | undefined;
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }
  dispose(): void {
    const fn = this.#callOnDispose;
    this.#callOnDispose = undefined;
    fn?.();
  }
}

const KEY = Symbol.for('lifeboat.local.functionsHost.registry');
type GlobalWithRegistry = typeof globalThis & { [KEY]?: Registry };

/** The version strings the core API reports (a Core Tools 4.x host with the 3.x Node worker). */
export const CORE_VERSION = '3.10.1';
export const HOST_VERSION = '4.1037.0-lifeboat-local';

/**
 * Installs the `@azure/functions-core` answer (idempotent) and returns the process-wide registry.
 * Must run before the app's first `app.*` call; importing local/host does it.
 */
export function installCoreShim(): Registry {
  const g = globalThis as GlobalWithRegistry;
  const existing = g[KEY];
  if (existing) return existing;
  const registry: Registry = {
    functions: new Map(),
    hooks: [],
    programmingModel: undefined,
    logSink: () => undefined,
    appLoaded: undefined,
  };
  const core = {
    version: CORE_VERSION,
    hostVersion: HOST_VERSION,
    Disposable,
    registerFunction(
      metadata: { name: string; bindings: Record<string, BindingMetadata>; retryOptions?: unknown },
      callback: (...args: unknown[]) => unknown,
    ) {
      const key = metadata.name.toLowerCase();
      if (registry.functions.has(key)) {
        // The real worker refuses duplicate names too ("A function with the name ... has already been registered").
        throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
      }
      registry.functions.set(key, {
        name: metadata.name,
        bindings: metadata.bindings,
        retryOptions: metadata.retryOptions,
        callback,
      });
      return new Disposable(() => registry.functions.delete(key));
    },
    registerHook(hookName: string, callback: (context: unknown) => unknown) {
      const hook: RegisteredHook = { hookName, callback };
      registry.hooks.push(hook);
      return new Disposable(() => {
        const i = registry.hooks.indexOf(hook);
        if (i >= 0) registry.hooks.splice(i, 1);
      });
    },
    setProgrammingModel(model: ProgrammingModel) {
      registry.programmingModel = model;
    },
    getProgrammingModel() {
      return registry.programmingModel;
    },
    log(level: string, category: string, message: string) {
      registry.logSink(level, category, message);
    },
  };
  const proto = (Module as unknown as { prototype: { require: (this: unknown, id: string) => unknown } })
    .prototype;
  const original = proto.require;
  proto.require = function (this: unknown, id: string): unknown {
    if (id === '@azure/functions-core') return core;
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as [string]);
  };
  g[KEY] = registry;
  return registry;
}
