import type { FunctionInput, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { z } from 'zod';
import { parseInput, toActivityError } from '../../shared/errors';
import type { ActivityRef } from '../names/refs';

/**
 * The activity wrapper: parse the input with its zod schema (bad input is non-retryable and names
 * the field and rule) → call → map every error through the one `toActivityError` (taxonomy and
 * code kept, Retry-After carried, secrets and stack removed).
 */
export interface ActivitySpec<P, O> {
  /** Loads the input schema on first use (keeps zod out of start-up). */
  readonly input: () => Promise<z.ZodType<P>>;
  readonly handler: (input: P, context: InvocationContext) => Promise<O> | O;
  /** Extra input bindings (a durable client). */
  readonly extraInputs?: FunctionInput[];
}

/** Registers an activity under its reference's name. */
export function activity<I, P, O>(ref: ActivityRef<I, O>, spec: ActivitySpec<P, O>): void {
  df.app.activity(ref.name, {
    ...(spec.extraInputs === undefined ? {} : { extraInputs: spec.extraInputs }),
    handler: async (raw: unknown, context: InvocationContext): Promise<O> => {
      try {
        const input = parseInput(await spec.input(), raw ?? {}, ref.name);
        return await spec.handler(input, context);
      } catch (error) {
        throw toActivityError(error);
      }
    },
  });
}
