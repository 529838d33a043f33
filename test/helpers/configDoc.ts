import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configReferenceMarkdown } from '../../shared/config/reference';

/**
 * `npm run config:doc`: prints the configuration reference table; with `--write`, replaces the
 * table between the config markers in README.md, so the README always matches the schema.
 */
const table = configReferenceMarkdown();
if (process.argv.includes('--write')) {
  const readmePath = path.resolve(__dirname, '../../../README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const start = '<!-- config:start -->';
  const end = '<!-- config:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${start} ... ${end} markers`);
  writeFileSync(readmePath, `${readme.slice(0, a + start.length)}\n${table}\n${readme.slice(b)}`);
  console.log('README.md configuration reference updated');
} else {
  console.log(table);
}
