import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatIssues } from '../../../shared/errors/zod';

/** Validation messages (issue 21, smaller items): the rule in words, the field named once, never the value. */
const schema = z.strictObject({
  plan: z.string({ error: 'is required (the plan name)' }).min(1),
  mode: z.enum(['drill', 'failover'], { error: 'mode must be drill or failover' }),
});
const issues = (value: unknown) => schema.safeParse(value, { reportInput: true }).error!.issues;

describe('formatIssues', () => {
  it('tells a wrong type from a missing field, without the value', () => {
    expect(formatIssues(issues({ plan: ['x'], mode: 'drill' }))).toBe(
      'plan: expected a string, not an array',
    );
    expect(formatIssues(issues({ plan: 7, mode: 'drill' }))).toBe('plan: expected a string, not a number');
    expect(formatIssues(issues({ mode: 'drill' }))).toBe('plan: is required');
  });
  it('names the field once', () => {
    expect(formatIssues(issues({ plan: 'p', mode: 'x' }))).toBe('mode: must be drill or failover');
  });
});
