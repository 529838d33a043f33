import type { VersionFailureStrategy, VersionMatchStrategy } from '../settings';

/**
 * Orchestration versioning as the Durable extension applies it (public preview, "Orchestration
 * versioning in Durable Functions"): every instance is stamped with a version when it is created
 * (the client's `version`, a sub-orchestration's `version` argument, else host.json
 * `extensions.durableTask.defaultVersion`); a worker runs an instance only when its version
 * matches the worker's default version under `versionMatchStrategy`, and otherwise applies
 * `versionFailureStrategy`.
 *
 * Comparison (the documentation's "version comparison rules"): an empty version is older than any
 * other; two versions that both read as System.Version (2 to 4 dot-separated non-negative integers)
 * compare numerically; anything else compares as text, ordinal and case-insensitive. The
 * case-insensitivity of the text comparison is our reading, not verified against the extension.
 */

/** The worker's versioning settings (host.json `extensions.durableTask`). */
export interface Versioning {
  readonly defaultVersion: string;
  readonly match: VersionMatchStrategy;
  readonly failure: VersionFailureStrategy;
}

/** Versioning off: the extension's behaviour when host.json sets no default version. */
export const NO_VERSIONING: Versioning = { defaultVersion: '', match: 'CurrentOrOlder', failure: 'Reject' };

const SYSTEM_VERSION = /^\d+(?:\.\d+){1,3}$/;

/** Negative when a is older than b, 0 when equal, positive when newer. */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  if (SYSTEM_VERSION.test(a) && SYSTEM_VERSION.test(b)) {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      // System.Version: a missing component (-1) is lower than 0 (1.0 < 1.0.0).
      const d = (pa[i] ?? -1) - (pb[i] ?? -1);
      if (d !== 0) return d;
    }
    return 0;
  }
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Why a worker with `versioning` must not run an instance of `version`, or undefined when it may.
 * With no default version configured the worker runs everything (as the extension does).
 */
export function versionMismatch(version: string, versioning: Versioning): string | undefined {
  if (versioning.match === 'None' || versioning.defaultVersion === '') return undefined;
  const order = compareVersions(version, versioning.defaultVersion);
  if (versioning.match === 'Strict' && order !== 0)
    return `The orchestration version '${version}' does not match the worker version '${versioning.defaultVersion}' (versionMatchStrategy Strict).`;
  if (versioning.match === 'CurrentOrOlder' && order > 0)
    return `The orchestration version '${version}' is greater than the worker version '${versioning.defaultVersion}' (versionMatchStrategy CurrentOrOlder).`;
  return undefined;
}
