import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../agent/cli';

/** Issue 13 item 8: what a person reads when the agent refuses to start. */

const dir = mkdtempSync(path.join(tmpdir(), 'agent-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]) {
  const lines: string[] = [];
  const code = await runCli(argv, { env: {}, stderr: (l) => lines.push(l), signals: new EventEmitter() });
  return { code, text: lines.join('\n') };
}

describe('agent command line', () => {
  it('prints distinct messages without internal jargon', async () => {
    const missing = await cli(['--config', path.join(dir, 'nonexistent.json')]);
    expect(missing.code).toBe(1);
    expect(missing.text).toMatch(/was not found/);
    const folder = await cli(['--config', dir]);
    expect(folder.text).toMatch(/is not a file/);
    writeFileSync(path.join(dir, 'bad.json'), '{ "site": ');
    const bad = await cli(['--config', path.join(dir, 'bad.json')]);
    expect(bad.text).toMatch(/line 1, column 11/);
    writeFileSync(path.join(dir, 'empty.json'), '{}');
    const empty = await cli(['--config', path.join(dir, 'empty.json')]);
    expect(empty.text).toMatch(/site: is required/);
    for (const r of [missing, folder, bad, empty])
      expect(r.text).not.toMatch(/\[nonRetryable\]|\[transient\]/);
    expect((await cli([])).code).toBe(2);
  });
});
