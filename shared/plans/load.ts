import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { canonicalBytes, GUID_PATTERN, sha256Hex } from '../contracts';
import { NonRetryableError } from '../errors';
import { planSchema, stepSchema, type Plan, type PlanStep } from './plan';

/**
 * Recovery plans declared as code (issue 10): one `<name>.json` per plan in LIFEBOAT_PLANS_DIR,
 * deployed with the app and reviewed like code. Each file is validated by the one schema
 * (shared/plans/plan.ts) and cross-checked against the configuration it runs with (protected
 * services and their standby and drill targets, relay sites), so a plan that could never run is
 * reported at start-up and by `GET /api/plans`, with every bad field named, and cannot be started.
 * Pure apart from reading the folder; the configuration comes in as a parameter.
 */

/** What a plan is checked against (from the configuration: `backup.services`, `relay.sites`). */
export interface PlanCheckContext {
  /** LIFEBOAT_PROTECTED_SERVICES, parsed. */
  readonly services: readonly {
    readonly serviceName: string;
    readonly standby?: { readonly serviceName: string } | undefined;
    readonly drillTargets: readonly { readonly serviceName: string }[];
  }[];
  /** LIFEBOAT_RELAY_SITES. */
  readonly sites: readonly string[];
}

/** One plan file and its validation state. */
export interface PlanEntry {
  /** The file name in the plans folder (never a path). */
  readonly file: string;
  /** The plan's name when the file declares one as a string (valid or not). */
  readonly name?: string;
  readonly valid: boolean;
  /** The validated plan (defaults applied); only when valid. */
  readonly plan?: Plan;
  /** SHA-256 (hex) of the canonical JSON of the validated plan: what a run records it ran. */
  readonly sha256?: string;
  /** Every rule broken, each `field.path[i]: rule`. Empty when valid. */
  readonly problems: readonly string[];
  /** What does not stop the plan from being valid but an operator should know (a drill step that would be refused). */
  readonly warnings: readonly string[];
}

/** A plan file larger than this is refused unread: plans are small, reviewed documents. */
export const MAX_PLAN_BYTES = 1024 * 1024;

/** Formats a field path as an operator reads it: `groups[1].steps[0].params.vms[2]`. */
export function fieldPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out === '' ? '(plan)' : out;
}

/**
 * zod issues as `path: rule` lines (shared/errors formatIssues' rules: never the offending value,
 * a missing field told from a wrong one), with array indexes in brackets.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const missing = i.code === 'invalid_type' && 'input' in i && i.input === undefined;
    const rule =
      i.code === 'unrecognized_keys'
        ? `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`
        : i.message;
    return `${fieldPath(i.path)}: ${missing ? 'is required' : rule}`;
  });
}

/** JSON.parse's error with the line and column of its position (Node reports only the offset). */
function jsonProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = /at position (\d+)/.exec(message);
  const rule = message.replace(/\s*in JSON at position \d.*$/s, '').replace(/^.*?Unexpected/s, 'unexpected');
  if (at === null) return `(file): is not valid JSON: ${rule}`;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `(file): is not valid JSON at line ${line}, column ${column}: ${rule}`;
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The steps of a plan's JSON that pass the step schema, with their place: the configuration is
 * checked for these even when another part of the plan is invalid, so one report names every bad
 * field (a missing description does not hide an unknown site).
 */
function parsedSteps(value: unknown): { gi: number; si: number; step: PlanStep }[] {
  const groups = (value as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups)) return [];
  return groups.flatMap((group: unknown, gi) => {
    const steps = (group as { steps?: unknown } | null)?.steps;
    if (!Array.isArray(steps)) return [];
    return steps.flatMap((raw: unknown, si) => {
      const parsed = stepSchema.safeParse(raw);
      return parsed.success ? [{ gi, si, step: parsed.data }] : [];
    });
  });
}

/** The cross-checks of a plan's steps against the configuration. */
function crossCheck(value: unknown, context: PlanCheckContext): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const { gi, si, step } of parsedSteps(value)) {
    const at = (...rest: PropertyKey[]) => fieldPath(['groups', gi, 'steps', si, 'params', ...rest]);
    if (step.kind === 'apim.restore') {
      const service = context.services.find((s) => sameName(s.serviceName, step.params.service));
      if (service === undefined) {
        problems.push(
          `${at('service')}: "${step.params.service}" is not a protected service (LIFEBOAT_PROTECTED_SERVICES)`,
        );
        continue;
      }
      if (service.standby === undefined)
        problems.push(
          `${at('service')}: "${service.serviceName}" has no standby (standbyResourceId in LIFEBOAT_PROTECTED_SERVICES): a failover restores into the standby`,
        );
      if (service.drillTargets.length === 0)
        warnings.push(
          `${at('service')}: "${service.serviceName}" has no drill target (drillTargetResourceIds in LIFEBOAT_PROTECTED_SERVICES): a drill of step "${step.id}" would be refused`,
        );
      continue;
    }
    // A traffic switch names its profile by ARM id; the profile is read when the step runs.
    if (step.kind === 'traffic.switch') continue;
    // A manual step touches nothing: a person acts, and an Approver confirms.
    if (step.kind === 'manual') continue;
    if (!context.sites.some((s) => sameName(s, step.params.site)))
      problems.push(`${at('site')}: "${step.params.site}" is not in LIFEBOAT_RELAY_SITES`);
    if (step.kind === 'hyperv.failback') {
      const vms = step.params.vms;
      const guids = vms.filter((v) => GUID_PATTERN.test(v)).length;
      if (guids > 0 && guids < vms.length)
        problems.push(
          `${at('vms')}: must name every VM by name or every VM by id (GUID), not both: a VM named both ways would be acted on twice`,
        );
      const seen = new Set<string>();
      vms.forEach((vm, i) => {
        if (seen.has(vm.toLowerCase()))
          warnings.push(`${at('vms', i)}: "${vm}" is listed twice (it runs once)`);
        seen.add(vm.toLowerCase());
      });
    }
  }
  return { problems, warnings };
}

/**
 * Checks one plan file's text (pure): JSON, the schema, the file name (`<plan.name>.json`) and the
 * configuration. Names unique across files are checked by {@link checkPlanFiles}.
 */
export function checkPlanText(file: string, text: string, context: PlanCheckContext): PlanEntry {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { file, valid: false, problems: [jsonProblem(text, error)], warnings: [] };
  }
  const rawName = (value as { name?: unknown } | null)?.name;
  const name = typeof rawName === 'string' && rawName.length <= 100 ? { name: rawName } : {};
  const parsed = planSchema.safeParse(value, { reportInput: true });
  const problems: string[] = parsed.success ? [] : describeIssues(parsed.error.issues);
  if (typeof rawName === 'string' && file !== `${rawName}.json`)
    problems.push(
      `name: must match the file name (the plan in ${file} must be named "${file.replace(/\.json$/i, '')}")`,
    );
  const checked = crossCheck(value, context);
  problems.push(...checked.problems);
  if (!parsed.success || problems.length > 0)
    return { file, ...name, valid: false, problems, warnings: checked.warnings };
  return {
    file,
    name: parsed.data.name,
    valid: true,
    plan: parsed.data,
    sha256: sha256Hex(canonicalBytes(parsed.data)),
    problems: [],
    warnings: checked.warnings,
  };
}

/** Checks a folder's files (pure): each file, then names unique across files. Sorted by file name. */
export function checkPlanFiles(
  files: readonly { file: string; text: string }[],
  context: PlanCheckContext,
): PlanEntry[] {
  const entries = [...files]
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((f) => checkPlanText(f.file, f.text, context));
  const byName = new Map<string, string[]>();
  for (const e of entries)
    if (e.name !== undefined)
      byName.set(e.name.toLowerCase(), [...(byName.get(e.name.toLowerCase()) ?? []), e.file]);
  return entries.map((e) => {
    const others =
      e.name === undefined ? [] : (byName.get(e.name.toLowerCase()) ?? []).filter((f) => f !== e.file);
    if (others.length === 0) return e;
    const { plan: _plan, sha256: _sha, ...rest } = e;
    return {
      ...rest,
      valid: false,
      problems: [
        ...e.problems,
        `name: "${e.name}" is also declared by ${others.join(', ')}: plan names must be unique`,
      ],
    };
  });
}

/** What a plan name finds. */
export type PlanLookup =
  | { readonly kind: 'notFound'; readonly name: string }
  | {
      readonly kind: 'invalid';
      readonly name: string;
      readonly file: string;
      readonly problems: readonly string[];
    }
  | {
      readonly kind: 'found';
      readonly plan: Plan;
      readonly sha256: string;
      readonly file: string;
      readonly warnings: readonly string[];
    };

/**
 * Finds a plan by name (case-insensitive; names are lower case): not found, invalid (with every
 * problem: an invalid plan cannot be started), or the validated plan and its hash.
 */
export function findPlan(entries: readonly PlanEntry[], name: string): PlanLookup {
  const key = name.toLowerCase();
  const matches = entries.filter(
    (e) => e.name?.toLowerCase() === key || (e.name === undefined && e.file.toLowerCase() === `${key}.json`),
  );
  const valid = matches.find((e) => e.valid && e.plan !== undefined && e.sha256 !== undefined);
  if (matches.length === 1 && valid?.plan !== undefined && valid.sha256 !== undefined)
    return {
      kind: 'found',
      plan: valid.plan,
      sha256: valid.sha256,
      file: valid.file,
      warnings: valid.warnings,
    };
  const first = matches[0];
  if (first === undefined) return { kind: 'notFound', name };
  return {
    kind: 'invalid',
    name,
    file: first.file,
    problems: matches.flatMap((m) => m.problems.map((p) => (matches.length > 1 ? `${m.file}: ${p}` : p))),
  };
}

/** The plans folder as an absolute path: relative paths are resolved from the app root. */
export function resolvePlansDir(dir: string, root: string): string {
  return path.resolve(root, dir);
}

/** The plans folder as answers show it: relative to the app root (never an absolute path). */
export function displayPlansDir(dir: string, root: string): string {
  const relative = path.relative(root, resolvePlansDir(dir, root)).split(path.sep).join('/');
  return relative === '' ? '.' : relative;
}

interface Cached {
  readonly signature: string;
  readonly entries: readonly PlanEntry[];
}
const cache = new Map<string, Cached>();

/**
 * Reads and checks every `*.json` in the plans folder. A missing folder is zero plans. Cached by
 * folder, file names, sizes and mtimes and the configuration checked against, so a request does
 * not re-read or re-validate unchanged files (one `readdir` and one `stat` per file each call).
 * A folder that exists but cannot be read throws `PlansDirUnreadable` (the path is not in the
 * message: answers never show absolute paths).
 */
export async function loadPlans(
  dir: string,
  context: PlanCheckContext,
  root: string = process.cwd(),
): Promise<readonly PlanEntry[]> {
  const folder = resolvePlansDir(dir, root);
  let names: string[];
  try {
    names = (await readdir(folder, { withFileTypes: true }))
      .filter((d) => (d.isFile() || d.isSymbolicLink()) && d.name.toLowerCase().endsWith('.json'))
      .map((d) => d.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new NonRetryableError(
      `the plans folder ${displayPlansDir(dir, root)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { code: 'PlansDirUnreadable' },
    );
  }
  const stats = await Promise.all(
    names.map(async (file) => {
      try {
        const s = await stat(path.join(folder, file));
        return { file, size: s.size, mtimeMs: s.mtimeMs, ok: s.isFile() };
      } catch {
        return { file, size: -1, mtimeMs: -1, ok: false };
      }
    }),
  );
  const signature = JSON.stringify([stats, context]);
  const hit = cache.get(folder);
  if (hit?.signature === signature) return hit.entries;

  const unreadable: PlanEntry[] = [];
  const files: { file: string; text: string }[] = [];
  for (const s of stats) {
    if (!s.ok) {
      unreadable.push({ file: s.file, valid: false, problems: ['(file): cannot be read'], warnings: [] });
      continue;
    }
    if (s.size > MAX_PLAN_BYTES) {
      unreadable.push({
        file: s.file,
        valid: false,
        problems: [`(file): is larger than ${MAX_PLAN_BYTES} bytes`],
        warnings: [],
      });
      continue;
    }
    try {
      files.push({ file: s.file, text: await readFile(path.join(folder, s.file), 'utf8') });
    } catch (error) {
      unreadable.push({
        file: s.file,
        valid: false,
        problems: [`(file): cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`],
        warnings: [],
      });
    }
  }
  const entries = Object.freeze(
    [...checkPlanFiles(files, context), ...unreadable].sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : 0,
    ),
  );
  cache.set(folder, { signature, entries });
  return entries;
}

/** The check context from the app's configuration. */
export function planCheckContext(config: {
  readonly backup: { readonly services: PlanCheckContext['services'] };
  readonly relay: { readonly sites: readonly string[] };
}): PlanCheckContext {
  return {
    services: config.backup.services.map((s) => ({
      serviceName: s.serviceName,
      standby: s.standby === undefined ? undefined : { serviceName: s.standby.serviceName },
      drillTargets: s.drillTargets.map((d) => ({ serviceName: d.serviceName })),
    })),
    sites: config.relay.sites,
  };
}

/** One plan as `GET /api/plans` lists it. */
export interface PlanListItem {
  readonly name: string;
  readonly file: string;
  readonly valid: boolean;
  readonly sha256?: string;
  readonly description?: string;
  readonly rtoMinutes?: number;
  readonly rpoMinutes?: number;
  readonly approval?: 'required' | 'auto';
  readonly groups?: readonly {
    readonly name: string;
    readonly steps: readonly {
      readonly id: string;
      readonly kind: PlanStep['kind'];
      readonly onFailure: 'stop' | 'continue';
      readonly timeoutMinutes: number;
    }[];
  }[];
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * The `GET /api/plans` answer: every plan with its validation state, the plan's outline when
 * valid (step parameters are site topology: the plan file in the repository shows them), and the
 * folder relative to the app root (never an absolute path).
 */
export function listPlans(
  entries: readonly PlanEntry[],
  dir: string,
): { plans: PlanListItem[]; dir: string } {
  return {
    dir,
    plans: entries.map((e) => ({
      name: e.name ?? e.file.replace(/\.json$/i, ''),
      file: e.file,
      valid: e.valid,
      ...(e.plan === undefined
        ? {}
        : {
            sha256: e.sha256,
            description: e.plan.description,
            rtoMinutes: e.plan.rtoMinutes,
            rpoMinutes: e.plan.rpoMinutes,
            approval: e.plan.approval,
            groups: e.plan.groups.map((g) => ({
              name: g.name,
              steps: g.steps.map((s) => ({
                id: s.id,
                kind: s.kind,
                onFailure: s.onFailure,
                timeoutMinutes: s.timeoutMinutes,
              })),
            })),
          }),
      problems: e.problems,
      warnings: e.warnings,
    })),
  };
}
