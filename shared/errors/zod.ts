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
    // With `reportInput`, a missing field is told from a wrong one (the input is never printed).
    const missing = i.code === 'invalid_type' && 'input' in i && i.input === undefined;
    const text = `${path.length > 0 ? path.join('.') : (options.root ?? '(input)')}: ${missing ? 'is required' : i.message}`;
    return options.maxEach === undefined || text.length <= options.maxEach
      ? text
      : `${text.slice(0, options.maxEach - 1)}…`;
  });
  if (issues.length > max) parts.push(`and ${issues.length - max} more`);
  return parts.join(options.separator ?? '; ');
}

/**
 * Parses a value that crossed a boundary (activity or orchestration input, queue message, HTTP
 * body). Bad input can never succeed, so it is a NonRetryableError `InvalidInput` whose message
 * names `where`, the field and the rule.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new NonRetryableError(`${where}: invalid input: ${formatIssues(parsed.error.issues)}`, {
    code: 'InvalidInput',
  });
}
