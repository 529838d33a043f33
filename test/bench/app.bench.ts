import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { SMOKE, type Figure } from './figures';

/**
 * `app.load_ratio`: the whole-process time of loading every file of `dist/functions` the way the
 * Node worker does (the worker provides `@azure/functions-core`; each file registers its
 * functions), divided by the time of loading `@azure/functions` + `durable-functions` alone.
 * The two are alternated in one run; medians of `LIFEBOAT_BENCH_LOAD_PAIRS` (default 15) pairs.
 * Cold start on Flex Consumption pays this before the first invocation (issue 8: target ≤ 1.25).
 */
// Compiled to dist/test/bench (npm run bench): the project root is three folders up.
const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

function functionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? functionFiles(path.join(dir, e.name))
        : e.name.endsWith('.js')
          ? [path.join(dir, e.name)]
          : [],
    )
    .sort();
}

/** The child: a stand-in for the worker's `@azure/functions-core`, then the modules to load. */
function script(files: readonly string[]): string {
  return `
const Module = require('module');
const core = {
  version: '3.10.1', hostVersion: '4.1037.0',
  Disposable: class { constructor(f) { this.f = f; } dispose() { this.f && this.f(); } },
  registerFunction() { return { dispose() {} }; },
  registerHook() { return { dispose() {} }; },
  setProgrammingModel(m) { this.m = m; }, getProgrammingModel() { return this.m; },
  log() {},
};
const original = Module.prototype.require;
Module.prototype.require = function (id) { return id === '@azure/functions-core' ? core : original.apply(this, arguments); };
${files.length === 0 ? "require('@azure/functions'); require('durable-functions');" : `for (const f of ${JSON.stringify(files)}) require(f);`}
`;
}

function timeProcess(source: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', source], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`loading failed: ${r.stderr.toString().slice(0, 2000)}`);
  return ms;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const figures: readonly Figure[] = [
  {
    names: ['app.load_ratio', 'app.load_ms', 'app.base_ms'],
    run() {
      const files = functionFiles(path.join(root, 'dist/functions'));
      const pairs = SMOKE ? 1 : Math.max(10, Number(process.env['LIFEBOAT_BENCH_LOAD_PAIRS'] ?? 15));
      const base: number[] = [];
      const app: number[] = [];
      timeProcess(script(files)); // warm the file cache once, unmeasured
      for (let i = 0; i < pairs; i++) {
        base.push(timeProcess(script([])));
        app.push(timeProcess(script(files)));
      }
      const b = median(base);
      const a = median(app);
      return Promise.resolve([
        { name: 'app.load_ratio', value: Math.round((a / b) * 100) / 100, unit: 'x' },
        { name: 'app.load_ms', value: Math.round(a), unit: 'ms' },
        { name: 'app.base_ms', value: Math.round(b), unit: 'ms' },
      ]);
    },
  },
];
