/**
 * Modules loaded on first use. The Node worker loads every function file at start-up (cold start
 * on Flex Consumption, where an alert-driven failover starts cold), so function files import only
 * `@azure/functions`, `durable-functions`, the kit and the names; zod schemas, decisions and the
 * Azure SDKs are loaded by the invocation that first needs them.
 *
 * Async triggers (activities, HTTP, queues, timers) await the loads in their wrapper. Orchestrator
 * functions are synchronous generators, so their modules are loaded by the kit's `preInvocation`
 * hook before the durable replay runs (see orchestration.ts); `get()` then returns at once.
 */
export interface Lazy<T> {
  /** Loads the module (once) and returns it. */
  load(): Promise<T>;
  /** The loaded module; throws a TypeError when it was not loaded first (a kit bug, not an input error). */
  get(): T;
}

/** Declares a module to load on first use: `lazy(() => import('../../shared/x'))`. */
export function lazy<T>(loader: () => Promise<T>): Lazy<T> {
  let loaded: { value: T } | undefined;
  let pending: Promise<T> | undefined;
  return {
    load() {
      if (loaded) return Promise.resolve(loaded.value);
      pending ??= loader().then((value) => {
        loaded = { value };
        return value;
      });
      return pending;
    },
    get() {
      if (!loaded) throw new TypeError('lazy module used before it was loaded (declare it in `uses`)');
      return loaded.value;
    },
  };
}
