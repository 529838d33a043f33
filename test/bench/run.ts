import { readdirSync } from 'node:fs';
import path from 'node:path';
import { formatMeasurement, type Figure } from './figures';

/**
 * `npm run bench [-- <prefix> ...]`: loads every compiled `*.bench.js` beside this file and runs
 * the figure groups that produce a name starting with one of the prefixes (all when none given).
 * Groups run one after another so they do not compete for the two cores.
 */
async function main(): Promise<void> {
  const prefixes = process.argv.slice(2).filter((a) => a.length > 0);
  const wanted = (name: string) => prefixes.length === 0 || prefixes.some((p) => name.startsWith(p));
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .sort();
  let failed = false;
  for (const file of files) {
    const mod = (await import(path.join(__dirname, file))) as { figures?: readonly Figure[] };
    for (const figure of mod.figures ?? []) {
      // A prefix selects by figure name, or a whole file by its name (`stack` → stack.bench.js).
      const wholeFile = prefixes.some((p) => file.startsWith(`${p}.bench`));
      if (!wholeFile && !figure.names.some(wanted)) continue;
      try {
        for (const m of await figure.run())
          if (wholeFile || wanted(m.name)) console.log(formatMeasurement(m));
      } catch (error) {
        failed = true;
        console.error(`bench ${figure.names.join(',')} failed:`, error);
      }
    }
  }
  if (failed) process.exitCode = 1;
}

void main();
