import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { formatMeasurement, type Figure } from './figures';

/**
 * `npm run bench [-- <prefix> ...]`: runs the figure groups of every compiled `*.bench.js` beside
 * this file whose figure names start with one of the prefixes, or whose file name is a prefix
 * (`stack` → stack.bench.js); all when none is given. Each bench file runs in its own process, one
 * after another: the local Functions host captures one app per process (as the Node worker does),
 * and separate processes keep one bench's leftovers (memory, Azurite state) out of the next one's
 * figures.
 *
 * `--smoke` (CI) runs every selected group once at its smallest size (`LIFEBOAT_BENCH_SMOKE=1` in
 * each bench process, see `benchSize`): it proves every benchmark still runs and judges no figure.
 * A prefix that selects nothing is an error, so a renamed bench cannot pass silently.
 */
function selects(file: string, figure: Pick<Figure, 'names'>, prefixes: readonly string[]): boolean {
  if (prefixes.length === 0) return true;
  return prefixes.some((p) => file.startsWith(`${p}.bench`) || figure.names.some((n) => n.startsWith(p)));
}

function wantedMeasurement(file: string, name: string, prefixes: readonly string[]): boolean {
  return prefixes.length === 0 || prefixes.some((p) => file.startsWith(`${p}.bench`) || name.startsWith(p));
}

/** Child mode: `run.js --file <x.bench.js> [prefixes]` runs that file's selected groups. */
async function runFile(file: string, prefixes: readonly string[]): Promise<boolean> {
  const mod = (await import(path.join(__dirname, file))) as { figures?: readonly Figure[] };
  let ok = true;
  for (const figure of mod.figures ?? []) {
    if (!selects(file, figure, prefixes)) continue;
    try {
      for (const m of await figure.run())
        if (wantedMeasurement(file, m.name, prefixes)) console.log(formatMeasurement(m));
    } catch (error) {
      ok = false;
      console.error(`bench ${figure.names.join(',')} failed:`, error);
    }
  }
  return ok;
}

async function main(): Promise<void> {
  const all = process.argv.slice(2).filter((a) => a.length > 0);
  if (all.includes('--smoke')) process.env['LIFEBOAT_BENCH_SMOKE'] = '1';
  const args = all.filter((a) => a !== '--smoke');
  if (args[0] === '--file' && args[1] !== undefined) {
    process.exitCode = (await runFile(args[1], args.slice(2))) ? 0 : 1;
    // Benches stop what they start; exit anyway so a stray handle cannot hang the whole run.
    process.exit();
  }
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .sort();
  let failed = false;
  const matched = new Set<string>();
  for (const file of files) {
    // Load the file's figure list cheaply (names only) to skip files with nothing selected.
    const listing = execFileSync(
      process.execPath,
      [
        '-e',
        `const m=require(${JSON.stringify(path.join(__dirname, file))});console.log(JSON.stringify((m.figures??[]).map(f=>f.names)))`,
      ],
      { encoding: 'utf8' },
    );
    const groups = JSON.parse(listing.trim().split('\n').pop() ?? '[]') as string[][];
    if (!groups.some((names) => selects(file, { names }, args))) continue;
    for (const p of args)
      if (file.startsWith(`${p}.bench`) || groups.some((names) => names.some((n) => n.startsWith(p))))
        matched.add(p);
    const started = performance.now();
    const child = spawnSync(process.execPath, [__filename, '--file', file, ...args], { stdio: 'inherit' });
    if (child.status !== 0) {
      failed = true;
      console.error(`bench ${file} failed (exit ${child.status ?? child.signal})`);
    }
    if (process.env['LIFEBOAT_BENCH_SMOKE'] === '1')
      console.log(`bench-smoke ${file} ${Math.round(performance.now() - started)} ms`);
  }
  const unmatched = args.filter((p) => !matched.has(p));
  if (unmatched.length > 0) {
    console.error(
      `bench: nothing matches ${unmatched.join(', ')} (a bench file name or a figure name prefix)`,
    );
    failed = true;
  }
  if (failed) process.exitCode = 1;
}

void main();
