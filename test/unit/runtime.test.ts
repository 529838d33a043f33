import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs the npm scripts on Node 22, the runtime Lifeboat deploys to', () => {
    // npm puts node_modules/.bin first on PATH, so `node` is the node@22 devDependency even
    // where the system Node is older (DEVELOPERS.md).
    expect(process.versions.node.split('.')[0]).toBe('22');
    const nvmrc = readFileSync(path.join(__dirname, '../../.nvmrc'), 'utf8').trim();
    expect(nvmrc).toBe('22');
  });
});
