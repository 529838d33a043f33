import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * host.json and app settings, as the local host reads them. Only the keys the host acts on are
 * parsed; unknown keys are ignored like the real host ignores extensions it has not loaded.
 */

/** Parses a .NET TimeSpan string (`hh:mm:ss`, `d.hh:mm:ss`, optional `.fff`) into milliseconds. */
export function parseTimeSpan(text: string): number | undefined {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, d, h, min, s, frac] = m;
  const fracMs = frac === undefined ? 0 : Number(`0.${frac}`) * 1000;
  return (
    ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000 + Math.round(fracMs)
  );
}

const timeSpan = (field: string) =>
  z.string().refine((v) => parseTimeSpan(v) !== undefined, {
    message: `${field} must be a TimeSpan such as "00:00:30"`,
  });

/**
 * Orchestration versioning (Durable Functions, public preview; extension bundle 4.26.0 or later for
 * non-.NET apps): which instances a worker runs, compared with `defaultVersion`. `None`: any;
 * `Strict`: only its own version; `CurrentOrOlder` (the default): its own or older.
 */
export const VERSION_MATCH_STRATEGIES = ['None', 'Strict', 'CurrentOrOlder'] as const;
/** What happens to an instance the worker must not run: `Reject` (default) leaves it for another worker; `Fail` fails it. */
export const VERSION_FAILURE_STRATEGIES = ['Reject', 'Fail'] as const;
export type VersionMatchStrategy = (typeof VERSION_MATCH_STRATEGIES)[number];
export type VersionFailureStrategy = (typeof VERSION_FAILURE_STRATEGIES)[number];

const hostJsonSchema = z.object({
  version: z.string().optional(),
  functionTimeout: timeSpan('functionTimeout').optional(),
  extensions: z
    .object({
      http: z.object({ routePrefix: z.string().optional() }).optional(),
      queues: z
        .object({
          maxDequeueCount: z
            .number()
            .int()
            .min(1, 'extensions.queues.maxDequeueCount must be at least 1')
            .optional(),
          messageEncoding: z.enum(['base64', 'none']).optional(),
          batchSize: z.number().int().min(1).max(32, 'extensions.queues.batchSize must be 1..32').optional(),
          newBatchThreshold: z.number().int().min(0).optional(),
          maxPollingInterval: timeSpan('extensions.queues.maxPollingInterval').optional(),
          visibilityTimeout: timeSpan('extensions.queues.visibilityTimeout').optional(),
        })
        .optional(),
      durableTask: z
        .object({
          hubName: z.string().optional(),
          overridableExistingInstanceStates: z.enum(['AnyState', 'NonRunningStates']).optional(),
          maxConcurrentActivityFunctions: z.number().int().min(1).optional(),
          maxConcurrentOrchestratorFunctions: z.number().int().min(1).optional(),
          defaultVersion: z.string().optional(),
          versionMatchStrategy: z.enum(VERSION_MATCH_STRATEGIES).optional(),
          versionFailureStrategy: z.enum(VERSION_FAILURE_STRATEGIES).optional(),
        })
        .optional(),
    })
    .optional(),
});

/** The host.json values the local host uses, with the real host's defaults filled in. */
export interface HostConfig {
  readonly routePrefix: string;
  readonly functionTimeoutMs: number;
  readonly queues: {
    readonly maxDequeueCount: number;
    readonly messageEncoding: 'base64' | 'none';
    readonly batchSize: number;
    readonly newBatchThreshold: number;
    readonly maxPollingIntervalMs: number;
    readonly visibilityTimeoutMs: number;
  };
  readonly durableTask: {
    readonly hubName: string;
    readonly overridableExistingInstanceStates: 'AnyState' | 'NonRunningStates';
    readonly maxConcurrentActivityFunctions: number;
    readonly maxConcurrentOrchestratorFunctions: number;
    /** Stamped on new instances ('' when host.json sets none: versioning off). */
    readonly defaultVersion: string;
    readonly versionMatchStrategy: VersionMatchStrategy;
    readonly versionFailureStrategy: VersionFailureStrategy;
  };
}

/**
 * The app settings that override host.json, as the real host reads them
 * (`AzureFunctionsJobHost__<path with __>`), for the durableTask keys the local host acts on.
 */
const OVERRIDE = 'AzureFunctionsJobHost__extensions__durableTask__';
const DURABLE_OVERRIDES = ['defaultVersion', 'versionMatchStrategy', 'versionFailureStrategy'] as const;

/** Reads `<appRoot>/host.json` (absent file = all defaults). Throws naming the bad field. */
export function readHostConfig(
  appRoot: string,
  settings: Readonly<Record<string, string | undefined>> = {},
): HostConfig {
  const file = path.join(appRoot, 'host.json');
  let raw: unknown = {};
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(
        `host.json at ${file} is not valid JSON (${(error as Error).message}); fix the file, retrying will not help`,
      );
    }
  }
  for (const key of DURABLE_OVERRIDES) {
    const value = settings[OVERRIDE + key];
    if (value === undefined) continue;
    const root = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const ext = (root['extensions'] ?? {}) as Record<string, unknown>;
    const durableTask = (ext['durableTask'] ?? {}) as Record<string, unknown>;
    raw = { ...root, extensions: { ...ext, durableTask: { ...durableTask, [key]: value } } };
  }
  const parsed = hostJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`host.json at ${file} is invalid:\n  - ${lines.join('\n  - ')}`);
  }
  const h = parsed.data;
  const q = h.extensions?.queues ?? {};
  const d = h.extensions?.durableTask ?? {};
  const batchSize = q.batchSize ?? 16;
  return {
    routePrefix: (h.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    functionTimeoutMs: parseTimeSpan(h.functionTimeout ?? '00:05:00') ?? 300_000,
    queues: {
      maxDequeueCount: q.maxDequeueCount ?? 5,
      messageEncoding: q.messageEncoding ?? 'base64',
      batchSize,
      newBatchThreshold: q.newBatchThreshold ?? Math.floor(batchSize / 2),
      maxPollingIntervalMs: parseTimeSpan(q.maxPollingInterval ?? '00:01:00') ?? 60_000,
      visibilityTimeoutMs: parseTimeSpan(q.visibilityTimeout ?? '00:00:00') ?? 0,
    },
    durableTask: {
      hubName: d.hubName ?? 'TestHubName',
      overridableExistingInstanceStates: d.overridableExistingInstanceStates ?? 'AnyState',
      maxConcurrentActivityFunctions: d.maxConcurrentActivityFunctions ?? 10,
      maxConcurrentOrchestratorFunctions: d.maxConcurrentOrchestratorFunctions ?? 10,
      defaultVersion: d.defaultVersion ?? '',
      versionMatchStrategy: d.versionMatchStrategy ?? 'CurrentOrOlder',
      versionFailureStrategy: d.versionFailureStrategy ?? 'Reject',
    },
  };
}

/**
 * Resolves `%Name%` references in every string option of a binding from the settings, as the
 * real host does at start-up. An unresolvable reference is an error naming the function, the
 * option and the setting (never a value); fix the settings, retrying will not help.
 */
export function resolveBindingOptions<T extends Record<string, unknown>>(
  functionName: string,
  binding: T,
  settings: Readonly<Record<string, string | undefined>>,
): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(binding)) {
    if (typeof value === 'string' && value.includes('%')) {
      out[key] = value.replace(/%([^%]+)%/g, (_m, name: string) => {
        const resolved = settings[name];
        if (resolved === undefined || resolved === '') {
          throw new Error(
            `Function '${functionName}': binding option '${key}' references setting '%${name}%', which does not resolve to a value; add it to the host settings`,
          );
        }
        return resolved;
      });
    } else {
      out[key] = value;
    }
  }
  return out as T;
}

/** Resolves a storage binding's `connection` to a connection string (AzureWebJobsStorage when absent). */
export function resolveStorageConnection(
  functionName: string,
  connection: unknown,
  settings: Readonly<Record<string, string | undefined>>,
): string {
  const name = typeof connection === 'string' && connection !== '' ? connection : 'AzureWebJobsStorage';
  const value = settings[name] ?? settings[`ConnectionStrings:${name}`];
  if (value !== undefined && value !== '') return value;
  if (settings[`${name}__queueServiceUri`] ?? settings[`${name}__serviceUri`]) {
    throw new Error(
      `Function '${functionName}': connection '${name}' is identity-based (${name}__queueServiceUri); the local host supports connection strings only`,
    );
  }
  throw new Error(`Function '${functionName}': storage connection setting '${name}' is missing or empty`);
}
