import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReference } from '../../../shared/config/reference';

describe('configuration reference', () => {
  it('documents every setting in README.md', () => {
    const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const missing = configReference()
      .map((d) => d.key)
      .filter((key) => !readme.includes(`\`${key}\``));
    expect(missing, 'settings missing from README.md (run: npm run config:doc)').toEqual([]);
  });

  it('describes every setting', () => {
    const undocumented = configReference()
      .filter((d) => d.description.length === 0)
      .map((d) => d.key);
    expect(undocumented).toEqual([]);
  });
});
