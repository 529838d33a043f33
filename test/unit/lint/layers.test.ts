import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type IConfiguration, type IViolation } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

/**
 * The layer rules `npm run lint` enforces (.dependency-cruiser.cjs, drawn in ARCHITECTURE.md
 * "Layers"): they flag a fixture tree with deliberately wrong imports, and pass the real tree.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const config = createRequire(import.meta.url)(`${root}.dependency-cruiser.cjs`) as IConfiguration & {
  layers: { name: string; folders: string[] }[];
};

async function violations(
  baseDir: string,
  dirs: string[],
): Promise<{ rule: string; from: string; to: string }[]> {
  const options: ICruiseOptions = {
    ...config.options,
    ruleSet: { forbidden: config.forbidden ?? [] },
    validate: true,
    baseDir,
  };
  delete options.tsConfig;
  const result = await cruise(dirs, options);
  if (typeof result.output === 'string') throw new Error(`unexpected output: ${result.output}`);
  return result.output.summary.violations
    .map((v: IViolation) => ({
      rule: v.rule.name,
      from: v.from,
      to: v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to,
    }))
    .sort((a, b) => `${a.rule}${a.from}`.localeCompare(`${b.rule}${b.from}`));
}

describe('layer rules', () => {
  it('flag an upward import, a folder cycle and the agent importing configuration', async () => {
    const found = await violations(`${root}test/fixtures/layers`, ['shared', 'agent']);
    expect(found).toEqual([
      { rule: 'agent-foundation-only', from: 'agent/', to: 'shared/config/' },
      { rule: 'layer-foundation', from: 'shared/errors/', to: 'shared/config/' },
      { rule: 'no-folder-cycles', from: 'shared/durable', to: 'shared/storage → shared/durable' },
      { rule: 'no-folder-cycles', from: 'shared/storage', to: 'shared/durable → shared/storage' },
    ]);
  });

  it('pass the real tree', async () => {
    expect(await violations(root, ['shared', 'functions', 'agent', 'local'])).toEqual([]);
  });

  it('order every folder of shared/ and functions/ (a new folder must be placed)', async () => {
    const { readdirSync } = await import('node:fs');
    const placed = new Set(config.layers.flatMap((l) => l.folders));
    const folders = ['shared', 'functions'].flatMap((top) =>
      readdirSync(`${root}${top}`, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => `${top}/${d.name}`),
    );
    expect(folders.filter((f) => !placed.has(f))).toEqual([]);
  });
});
