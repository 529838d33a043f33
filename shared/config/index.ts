import { z } from 'zod';
import { NonRetryableError } from '../errors';
import type { ConfigSection } from './define';
import { coreSection } from './sections/core';
import { backupSection } from './sections/backup';
import { relaySection } from './sections/relay';
import { restoreSection } from './sections/restore';
import { plansSection } from './sections/plans';
import { alertsSection } from './sections/alerts';
import { statusSection } from './sections/status';
import { trafficSection } from './sections/traffic';

/**
 * The one configuration schema of the app, composed of sections. Loaded lazily on first use inside
 * a handler (a module that throws at import time makes the real host silently drop its functions),
 * frozen, and reloaded only when the environment it was read from changes (tests and the local
 * host start apps with different settings in one process).
 */
export const sections = {
  core: coreSection,
  backup: backupSection,
  relay: relaySection,
  restore: restoreSection,
  plans: plansSection,
  alerts: alertsSection,
  status: statusSection,
  traffic: trafficSection,
} as const;

type Sections = typeof sections;
/** The typed, frozen configuration. */
export type Config = {
  readonly [K in keyof Sections]: Sections[K] extends ConfigSection<infer T> ? Readonly<T> : never;
};

export type Env = Readonly<Record<string, string | undefined>>;

let cached: { fingerprint: string; config: Config } | undefined;

function fingerprint(env: Env): string {
  const keys = Object.values(sections).flatMap((s) => s.keys);
  return JSON.stringify(keys.map((k) => env[k] ?? null));
}

/** Formats zod issues as `KEY: rule` lines. Never includes the offending value. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const [key, ...rest] = issue.path.map(String);
    const where = rest.length > 0 ? `${key ?? '(setting)'} (at ${rest.join('.')})` : (key ?? '(setting)');
    return `${where}: ${issue.message}`;
  });
}

/** Parses every section; throws one NonRetryableError naming every bad key and its rule. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, section] of Object.entries(sections) as [string, ConfigSection<unknown>][]) {
    const input: Record<string, string> = {};
    for (const key of section.keys) {
      const value = env[key];
      if (value !== undefined && value !== '') input[key] = value;
    }
    const result = section.schema.safeParse(input);
    if (result.success) out[name] = deepFreeze(result.data);
    else problems.push(...describeIssues(result.error.issues));
  }
  if (problems.length > 0) {
    throw new NonRetryableError(`Invalid Lifeboat configuration:\n  - ${problems.join('\n  - ')}`, {
      code: 'InvalidConfiguration',
    });
  }
  return Object.freeze(out) as Config;
}

/** The configuration for `env` (default: the process environment), parsed once per distinct env. */
export function getConfig(env: Env = process.env): Config {
  const fp = fingerprint(env);
  if (cached?.fingerprint !== fp) cached = { fingerprint: fp, config: loadConfig(env) };
  return cached.config;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
