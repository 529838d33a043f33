import type { z } from 'zod';
import { sections } from './index';

/** One row of the configuration reference. */
export interface SettingDoc {
  section: string;
  key: string;
  description: string;
  defaultValue: string | undefined;
  required: boolean;
  secret: boolean;
}

function describeOf(schema: z.ZodType): string {
  // A description set inside a wrapper (e.g. before `.default()`) stays on the inner schema.
  type Node = { description?: string; def?: { innerType?: unknown; in?: unknown } };
  let current = schema as unknown as Node | undefined;
  for (let depth = 0; depth < 8 && current !== undefined; depth++) {
    if (current.description) return current.description;
    current = (current.def?.innerType ?? current.def?.in) as Node | undefined;
  }
  return '';
}

function unwrapDefault(schema: z.ZodType): { defaultValue: unknown; optional: boolean } {
  // zod 4 keeps wrappers in `def`: default → { type: 'default', defaultValue }, optional → { type: 'optional' }.
  let current: { def?: { type?: string; defaultValue?: unknown; innerType?: unknown; in?: unknown } } =
    schema;
  let optional = false;
  for (let depth = 0; depth < 8 && current.def; depth++) {
    const def = current.def;
    if (def.type === 'default') return { defaultValue: def.defaultValue, optional: true };
    if (def.type === 'optional') optional = true;
    const next = def.innerType ?? def.in;
    if (next === undefined) break;
    current = next as typeof current;
  }
  return { defaultValue: undefined, optional };
}

/** Every setting the app reads, with its description and default, in declaration order. */
export function configReference(): SettingDoc[] {
  return Object.values(sections).flatMap((section) =>
    Object.entries(section.shape).map(([key, schema]) => {
      const { defaultValue, optional } = unwrapDefault(schema);
      return {
        section: section.name,
        key,
        description: describeOf(schema),
        defaultValue: defaultValue === undefined ? undefined : JSON.stringify(defaultValue),
        required: !optional,
        secret: section.secretKeys.includes(key),
      };
    }),
  );
}

/** The reference as a Markdown table (docs/configuration.md). */
export function configReferenceMarkdown(): string {
  const rows = configReference().map((d) => {
    const def =
      d.defaultValue === undefined
        ? d.required
          ? 'required'
          : '—'
        : `\`${d.defaultValue.replace(/\|/g, '\\|')}\``;
    const desc = d.description.replace(/\|/g, '\\|') + (d.secret ? ' **Secret.**' : '');
    return `| \`${d.key}\` | ${def} | ${desc} |`;
  });
  return ['| setting | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
