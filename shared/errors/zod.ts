import type { z } from 'zod';
import { NonRetryableError } from './taxonomy';

/**
 * The one formatter of zod issues: `field.path: rule; ...`. It never includes the offending value
 * (a value may be a secret), only where it is and which rule it broke.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  options: {
    root?: string;
    max?: number;
    prefix?: readonly (string | number)[];
    maxEach?: number;
    separator?: string;
  } = {},
): string {
  const max = options.max ?? 8;
  const parts = issues.slice(0, max).map((i) => {
    const path = [...(options.prefix ?? []), ...i.path.map(String)];
    // With `reportInput`, a missing field is told from a wrong one: the type it has is named, the
    // input itself never printed.
    const typed = i.code === 'invalid_type' && 'input' in i;
    const missing = typed && i.input === undefined;
    const rule = missing
      ? 'is required'
      : typed
        ? `expected ${withArticle(String(i.expected))}, not ${kindOf(i.input)}`
        : withoutField(i.message, i.path[i.path.length - 1]);
    const text = `${path.length > 0 ? path.join('.') : (options.root ?? '(input)')}: ${rule}`;
    return options.maxEach === undefined || text.length <= options.maxEach
      ? text
      : `${text.slice(0, options.maxEach - 1)}…`;
  });
  if (issues.length > max) parts.push(`and ${issues.length - max} more`);
  return parts.join(options.separator ?? '; ');
}

function withArticle(type: string): string {
  return /^[aeiou]/i.test(type) ? `an ${type}` : `a ${type}`;
}

/** What kind of value was given (never the value): `an array`, `a number`, `null`. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return withArticle(typeof value);
}

/** `mode must be x` under the field `mode` reads `mode: must be x`, not `mode: mode must be x`. */
function withoutField(message: string, field: PropertyKey | undefined): string {
  if (typeof field !== 'string' || field === '') return message;
  return message.toLowerCase().startsWith(`${field.toLowerCase()} `)
    ? message.slice(field.length + 1)
    : message;
}

/**
 * Parses a value that crossed a boundary (activity or orchestration input, queue message, HTTP
 * body). Bad input can never succeed, so it is a NonRetryableError `InvalidInput` whose message
 * names `where`, the field and the rule.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new NonRetryableError(`${where}: invalid input: ${formatIssues(parsed.error.issues)}`, {
    code: 'InvalidInput',
  });
}
