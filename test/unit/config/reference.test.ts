import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReference, configReferenceMarkdown } from '../../../shared/config/reference';

const docPath = path.join(__dirname, '../../../docs/configuration.md');

describe('configuration reference', () => {
  it('documents every setting in docs/configuration.md', () => {
    const doc = readFileSync(docPath, 'utf8');
    const missing = configReference()
      .map((d) => d.key)
      .filter((key) => !doc.includes(`\`${key}\``));
    expect(missing, 'settings missing from docs/configuration.md (run: npm run config:doc)').toEqual([]);
  });

  it('holds the table the schema generates, between its markers', () => {
    const doc = readFileSync(docPath, 'utf8');
    const between = /<!-- config:start -->\n([\s\S]*?)\n<!-- config:end -->/.exec(doc)?.[1];
    expect(between, 'docs/configuration.md is not current (run: npm run config:doc)').toBe(
      configReferenceMarkdown(),
    );
  });

  it('describes every setting', () => {
    const undocumented = configReference()
      .filter((d) => d.description.length === 0)
      .map((d) => d.key);
    expect(undocumented).toEqual([]);
  });
});
