import { z } from 'zod';

/**
 * A configuration section: a zod object over environment variable names (each field carries a
 * `.describe()` used by docs/configuration.md) and a mapping into the typed section value.
 * Sections are parsed separately so one bad key does not hide another.
 */
export interface ConfigSection<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
  /** Environment variable names this section reads (used for the cache fingerprint and docs). */
  readonly keys: readonly string[];
  /** Keys whose values are secrets: never echoed in errors, logs or docs examples. */
  readonly secretKeys: readonly string[];
  /** The field schemas by key, for the configuration reference. */
  readonly shape: Readonly<Record<string, z.ZodType>>;
}

/** Declares a section from an object schema over env names and a transform into the typed value. */
export function defineSection<S extends z.ZodRawShape, T>(
  name: string,
  shape: S,
  map: (raw: z.infer<z.ZodObject<S>>, ctx: z.RefinementCtx) => T,
  options: { secretKeys?: readonly string[] } = {},
): ConfigSection<T> {
  const schema = z.object(shape).transform((raw, ctx) => map(raw, ctx)) as unknown as z.ZodType<T>;
  return {
    name,
    schema,
    keys: Object.keys(shape),
    secretKeys: options.secretKeys ?? [],
    shape: shape as unknown as Record<string, z.ZodType>,
  };
}

/** An integer setting read from text, with bounds. */
export function intSetting(defaultValue: number, min: number, max: number, description: string) {
  return z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` })
    .default(defaultValue)
    .describe(description);
}

/** A boolean setting read from text (`true`/`false`/`1`/`0`). */
export function boolSetting(defaultValue: boolean, description: string) {
  return z
    .enum(['true', 'false', '1', '0', 'True', 'False'], { error: 'must be true or false' })
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'True')
    .describe(description);
}

/**
 * A setting holding JSON. The parsed value is validated by `inner`; parse errors say "must be
 * valid JSON" without echoing the text (it may contain a secret).
 */
export function jsonSetting<T extends z.ZodType>(inner: T, description: string) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(inner)
    .describe(description);
}
