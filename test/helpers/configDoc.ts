import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configReferenceMarkdown } from '../../shared/config/reference';

/**
 * `npm run config:doc`: prints the configuration reference table; with `--write`, replaces the
 * table between the config markers in docs/configuration.md, so the page always matches the schema
 * (test/unit/config/reference.test.ts fails when it does not).
 */
const table = configReferenceMarkdown();
if (process.argv.includes('--write')) {
  const docPath = path.resolve(__dirname, '../../../docs/configuration.md');
  const doc = readFileSync(docPath, 'utf8');
  const start = '<!-- config:start -->';
  const end = '<!-- config:end -->';
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/configuration.md has no ${start} ... ${end} markers`);
  writeFileSync(docPath, `${doc.slice(0, a + start.length)}\n${table}\n${doc.slice(b)}`);
  console.log('docs/configuration.md configuration reference updated');
} else {
  console.log(table);
}
