import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../../agent/config';
import { generateSigningKeyPair } from '../../../shared/contracts';

/**
 * Issue 13 item 8: a newcomer's configuration mistakes each get their own message, with where to
 * look, and no internal jargon.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'agent-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const app = generateSigningKeyPair();
const agent = generateSigningKeyPair();
const env = { LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

const valid = {
  site: 'dc1',
  agentId: 'agent-dc1',
  queue: {},
  trustedCommandKeys: { [app.keyId]: app.publicKeyPem },
  signingKey: { keyId: agent.keyId },
  executor: { kind: 'powershell' },
  ledgerPath: 'ledger.jsonl',
};

describe('agent configuration errors (issue 13 item 8)', () => {
  it('says the file was not found', () => {
    const m = messageOf(() => loadAgentConfig(path.join(dir, 'nonexistent.json'), env));
    expect(m).toMatch(/nonexistent\.json was not found/);
    expect(m).not.toMatch(/JSON/);
  });

  it('says a directory is not a file', () => {
    expect(messageOf(() => loadAgentConfig(dir, env))).toMatch(/is not a file/);
  });

  it('gives the line and column of a JSON error, without quoting the file', () => {
    const secret = ['Account', 'Key=c2VjcmV0'].join('');
    const p = file(
      'bad.json',
      `{\n  "site": "dc1",\n  "queue": { "connectionString": "${secret}" }\n  "agentId": "a"\n}\n`,
    );
    const m = messageOf(() => loadAgentConfig(p, env));
    expect(m).toMatch(/is not valid JSON: line 4, column 3: expected ',' or '\}'/);
    expect(m).not.toContain('c2VjcmV0');
    const trailing = file('trailing.json', '{\n  "site": "dc1",\n}\n');
    expect(messageOf(() => loadAgentConfig(trailing, env))).toMatch(
      /line 3, column 1: expected a double-quoted property name/,
    );
    const unquoted = file('unquoted.json', '{ "site": dc1 }');
    expect(messageOf(() => loadAgentConfig(unquoted, env))).toMatch(/line 1, column 11: expected a value/);
  });

  it('says "required" for a missing field and names the rule for a wrong one', () => {
    const { site: _site, ...noSite } = valid;
    const m = messageOf(() => loadAgentConfig(file('nosite.json', JSON.stringify(noSite)), env));
    expect(m).toMatch(/site: is required/);
    expect(m).not.toMatch(/must be a string/);
    const wrong = messageOf(() =>
      loadAgentConfig(file('wrong.json', JSON.stringify({ ...valid, site: 'DC_1' })), env),
    );
    expect(wrong).toMatch(/site: must be 1-40 lower-case letters/);
  });

  it('reads a file saved with a byte order mark (Notepad)', () => {
    const p = file('bom.json', '\uFEFF' + JSON.stringify(valid));
    expect(() =>
      loadAgentConfig(p, { ...env, LIFEBOAT_AGENT_SIGNING_KEY: agent.privateKeyPem }),
    ).not.toThrow();
  });
});
