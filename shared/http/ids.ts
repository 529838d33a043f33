import { z } from 'zod';
import { NonRetryableError } from '../errors';

/**
 * The one rule for ids in request paths and query strings (run ids, restore and other instance
 * ids, plan names), issue 20. An id becomes a blob name (`runs/<id>.json`, `summaries/<plan>.json`)
 * or a Durable Functions instance id, so it must not be able to climb out of its folder
 * (`../../<container>/<blob>` probed blobs in other containers) or turn a lookup into something
 * else (`%00` became an instance listing). Every id Lifeboat and Durable Functions mint fits:
 * lower-case plan run ids, `restore-…`, `backup-…`, `heartbeat-…`, GUIDs, and sub-orchestration
 * ids `<parent>:<n>`.
 */

/**
 * Longest id accepted: the limit of contracts' `instanceIdSchema` (an agent envelope's instance
 * id), so an id has one length rule wherever it travels. A plan run's step id is about 120.
 */
export const ID_MAX = 128;

/** Letters, digits, `.`, `_`, `:`, `@` and `-` (the alphabet of `instanceIdSchema`). */
export const ID_PATTERN = /^[\w.:@-]+$/;

const RULE = `must be 1-${ID_MAX} letters, digits, ".", "_", ":", "@" or "-", without ".." (no "/", spaces or control characters)`;

/** A path or query id. */
export const idSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: RULE })
  .max(ID_MAX, { error: RULE })
  .regex(ID_PATTERN, { error: RULE })
  .refine((id) => !id.includes('..'), { error: RULE });

/**
 * Parses the id named `field` (as the route or query names it). Throws a NonRetryableError
 * `InvalidInput` with status 400 naming the field and the rule, never the value.
 */
export function parseId(field: string, value: string | null | undefined): string {
  const parsed = idSchema.safeParse(value ?? '');
  if (parsed.success) return parsed.data;
  throw new NonRetryableError(`${field}: ${RULE}`, { code: 'InvalidInput', status: 400 });
}
