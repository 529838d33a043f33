import { z } from 'zod';

/**
 * The configuration manifest: what a service serves, read through ARM's list operations, written
 * beside each backup and compared with the restored target (issue 9, "verification";
 * docs/reference/recovery.md, "Verifying an API Management restore"). Names, revisions and
 * flags only: a named value's value never enters a manifest, secret or not.
 */
export interface ConfigurationManifest {
  v: 1;
  /** APIs by name (revisions folded in), sorted by name. */
  apis: ManifestApi[];
  /** Product names, sorted. */
  products: string[];
  /** Named values by name with their secret flag, sorted by name. */
  namedValues: ManifestNamedValue[];
  counts: ManifestCounts;
  /**
   * The service's configuration changed while the backup ran (issue 22): this manifest was read
   * before the backup's POST, and the one read after it completed differs by these. The backup
   * may miss the change (the procedure warns that changes during a backup may be excluded).
   */
  duringBackup?: ConfigChange | undefined;
}

/** A configuration change seen during a backup: each difference in words (at most 50) and how many in all. */
export interface ConfigChange {
  differences: string[];
  differenceCount: number;
}

export interface ManifestApi {
  name: string;
  /** Every revision listed, sorted numerically where they are numbers. */
  revisions: string[];
  /** The revision marked current, or null when none is. */
  currentRevision: string | null;
}

export interface ManifestNamedValue {
  name: string;
  secret: boolean;
}

export interface ManifestCounts {
  apis: number;
  apiRevisions: number;
  products: number;
  namedValues: number;
  secretNamedValues: number;
}

/** The list items a manifest is built from, as the APIM port returns them (no values). */
export interface ManifestSource {
  apis: readonly { name: string; apiRevision: string; isCurrent: boolean }[];
  products: readonly { name: string }[];
  namedValues: readonly { name: string; secret: boolean }[];
}

/** Schema of a stored manifest (read back from the blob beside a backup). */
export const configurationManifestSchema = z.strictObject({
  v: z.literal(1),
  apis: z.array(
    z.strictObject({
      name: z.string().min(1),
      revisions: z.array(z.string()),
      currentRevision: z.string().nullable(),
    }),
  ),
  products: z.array(z.string().min(1)),
  namedValues: z.array(z.strictObject({ name: z.string().min(1), secret: z.boolean() })),
  counts: z.strictObject({
    apis: z.number().int().min(0),
    apiRevisions: z.number().int().min(0),
    products: z.number().int().min(0),
    namedValues: z.number().int().min(0),
    secretNamedValues: z.number().int().min(0),
  }),
  duringBackup: z
    .strictObject({ differences: z.array(z.string()), differenceCount: z.number().int().min(0) })
    .optional(),
});

/** ARM names a revision that is not current `name;rev=N`; the API is `name`. */
export function apiBaseName(armName: string): string {
  const at = armName.indexOf(';rev=');
  return at === -1 ? armName : armName.slice(0, at);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
function byRevision(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : byText(a, b);
}

/**
 * Builds the manifest from the three lists. Names compare case-insensitively in ARM, so
 * duplicates differing only in case are folded (the first spelling is kept).
 */
export function buildManifest(source: ManifestSource): ConfigurationManifest {
  const apis = new Map<string, { name: string; revisions: Set<string>; current: string | null }>();
  for (const item of source.apis) {
    const name = apiBaseName(item.name);
    const key = name.toLowerCase();
    const entry = apis.get(key) ?? { name, revisions: new Set<string>(), current: null };
    entry.revisions.add(item.apiRevision);
    // One revision is current in live data; should several claim it, the highest wins (order-independent).
    if (item.isCurrent && (entry.current === null || byRevision(item.apiRevision, entry.current) > 0))
      entry.current = item.apiRevision;
    apis.set(key, entry);
  }
  const products = new Map<string, string>();
  for (const p of source.products)
    if (!products.has(p.name.toLowerCase())) products.set(p.name.toLowerCase(), p.name);
  const namedValues = new Map<string, ManifestNamedValue>();
  for (const nv of source.namedValues)
    if (!namedValues.has(nv.name.toLowerCase()))
      namedValues.set(nv.name.toLowerCase(), { name: nv.name, secret: nv.secret });

  const apiList = [...apis.values()]
    .map((a) => ({ name: a.name, revisions: [...a.revisions].sort(byRevision), currentRevision: a.current }))
    .sort((a, b) => byText(a.name.toLowerCase(), b.name.toLowerCase()));
  const nvList = [...namedValues.values()].sort((a, b) => byText(a.name.toLowerCase(), b.name.toLowerCase()));
  return {
    v: 1,
    apis: apiList,
    products: [...products.values()].sort((a, b) => byText(a.toLowerCase(), b.toLowerCase())),
    namedValues: nvList,
    counts: {
      apis: apiList.length,
      apiRevisions: apiList.reduce((n, a) => n + a.revisions.length, 0),
      products: products.size,
      namedValues: nvList.length,
      secretNamedValues: nvList.filter((nv) => nv.secret).length,
    },
  };
}

/** One way the restored target differs from the manifest written at backup time. */
export type ManifestDifference =
  | { kind: 'missingApi' | 'extraApi'; api: string }
  | { kind: 'missingRevision' | 'extraRevision'; api: string; revision: string }
  | { kind: 'currentRevisionChanged'; api: string; expected: string | null; actual: string | null }
  | { kind: 'missingProduct' | 'extraProduct'; product: string }
  | { kind: 'missingNamedValue' | 'extraNamedValue'; namedValue: string }
  | { kind: 'secretChanged'; namedValue: string; expected: boolean; actual: boolean };

/** The comparison's verdict: equal, or every difference, each with a sentence an operator reads. */
export interface ManifestComparison {
  equal: boolean;
  differences: ManifestDifference[];
}

function keyed<T>(items: readonly T[], name: (t: T) => string): Map<string, T> {
  return new Map(items.map((t) => [name(t).toLowerCase(), t]));
}

/**
 * Compares the manifest written at backup time (`expected`) with the one read from the restored
 * target (`actual`). Names compare case-insensitively (ARM). Differences come in a stable order:
 * APIs, products, named values; within each, by name.
 */
export function compareManifests(
  expected: ConfigurationManifest,
  actual: ConfigurationManifest,
): ManifestComparison {
  const differences: ManifestDifference[] = [];

  const ea = keyed(expected.apis, (a) => a.name);
  const aa = keyed(actual.apis, (a) => a.name);
  for (const key of [...new Set([...ea.keys(), ...aa.keys()])].sort(byText)) {
    const e = ea.get(key);
    const a = aa.get(key);
    if (e && !a) differences.push({ kind: 'missingApi', api: e.name });
    else if (!e && a) differences.push({ kind: 'extraApi', api: a.name });
    else if (e && a) {
      const er = new Set(e.revisions);
      const ar = new Set(a.revisions);
      for (const r of e.revisions)
        if (!ar.has(r)) differences.push({ kind: 'missingRevision', api: e.name, revision: r });
      for (const r of a.revisions)
        if (!er.has(r)) differences.push({ kind: 'extraRevision', api: e.name, revision: r });
      if (e.currentRevision !== a.currentRevision)
        differences.push({
          kind: 'currentRevisionChanged',
          api: e.name,
          expected: e.currentRevision,
          actual: a.currentRevision,
        });
    }
  }

  const ep = keyed(expected.products, (p) => p);
  const ap = keyed(actual.products, (p) => p);
  for (const key of [...new Set([...ep.keys(), ...ap.keys()])].sort(byText)) {
    const e = ep.get(key);
    const a = ap.get(key);
    if (e !== undefined && a === undefined) differences.push({ kind: 'missingProduct', product: e });
    else if (e === undefined && a !== undefined) differences.push({ kind: 'extraProduct', product: a });
  }

  const en = keyed(expected.namedValues, (nv) => nv.name);
  const an = keyed(actual.namedValues, (nv) => nv.name);
  for (const key of [...new Set([...en.keys(), ...an.keys()])].sort(byText)) {
    const e = en.get(key);
    const a = an.get(key);
    if (e && !a) differences.push({ kind: 'missingNamedValue', namedValue: e.name });
    else if (!e && a) differences.push({ kind: 'extraNamedValue', namedValue: a.name });
    else if (e && a && e.secret !== a.secret)
      differences.push({ kind: 'secretChanged', namedValue: e.name, expected: e.secret, actual: a.secret });
  }

  return { equal: differences.length === 0, differences };
}

/** A difference as an operator reads it ("API 'orders' is missing from the target"). */
export function describeDifference(d: ManifestDifference): string {
  switch (d.kind) {
    case 'missingApi':
      return `API '${d.api}' is missing from the target`;
    case 'extraApi':
      return `API '${d.api}' is on the target but not in the backup`;
    case 'missingRevision':
      return `API '${d.api}' revision ${d.revision} is missing from the target`;
    case 'extraRevision':
      return `API '${d.api}' revision ${d.revision} is on the target but not in the backup`;
    case 'currentRevisionChanged':
      return `API '${d.api}' current revision is ${d.actual ?? 'none'} on the target, ${d.expected ?? 'none'} in the backup`;
    case 'missingProduct':
      return `product '${d.product}' is missing from the target`;
    case 'extraProduct':
      return `product '${d.product}' is on the target but not in the backup`;
    case 'missingNamedValue':
      return `named value '${d.namedValue}' is missing from the target`;
    case 'extraNamedValue':
      return `named value '${d.namedValue}' is on the target but not in the backup`;
    case 'secretChanged':
      return `named value '${d.namedValue}' is ${d.actual ? 'secret' : 'not secret'} on the target, ${d.expected ? 'secret' : 'not secret'} in the backup`;
  }
}

/** At most this many differences are kept in words (the count counts all). */
export const MAX_CHANGE_DIFFERENCES = 50;

/**
 * Whether the configuration changed during a backup: the manifest read before its POST against
 * the one read after it completed (issue 22). Undefined when they are equal. The sentences read
 * from the backup's side: "missing from the target" is what the backup may lack.
 */
export function configChangeDuringBackup(
  before: ConfigurationManifest,
  after: ConfigurationManifest,
): ConfigChange | undefined {
  const comparison = compareManifests(before, after);
  if (comparison.equal) return undefined;
  return {
    differences: comparison.differences.slice(0, MAX_CHANGE_DIFFERENCES).map((d) => describeChange(d)),
    differenceCount: comparison.differences.length,
  };
}

/**
 * A manifest difference as an operator reads it, said of where it happened: during a backup
 * ("API 'x' was added during the backup", the default) or on a standby that carried production
 * ("API 'x' was removed on the standby", a failback's round trip).
 */
export function describeChange(
  d: ManifestDifference,
  where: { during: string; removed: 'deleted' | 'removed' } = {
    during: 'during the backup',
    removed: 'deleted',
  },
): string {
  const { during, removed } = where;
  switch (d.kind) {
    case 'missingApi':
      return `API '${d.api}' was ${removed} ${during}`;
    case 'extraApi':
      return `API '${d.api}' was added ${during}`;
    case 'missingRevision':
      return `API '${d.api}' revision ${d.revision} was ${removed} ${during}`;
    case 'extraRevision':
      return `API '${d.api}' revision ${d.revision} was added ${during}`;
    case 'currentRevisionChanged':
      return `API '${d.api}' current revision changed from ${d.expected ?? 'none'} to ${d.actual ?? 'none'} ${during}`;
    case 'missingProduct':
      return `product '${d.product}' was ${removed} ${during}`;
    case 'extraProduct':
      return `product '${d.product}' was added ${during}`;
    case 'missingNamedValue':
      return `named value '${d.namedValue}' was ${removed} ${during}`;
    case 'extraNamedValue':
      return `named value '${d.namedValue}' was added ${during}`;
    case 'secretChanged':
      return `named value '${d.namedValue}' became ${d.actual ? 'secret' : 'not secret'} ${during}`;
  }
}
