import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { executorFor } from '../../../agent/agent';
import { resolveAgentConfig } from '../../../agent/config';
import { generateSigningKeyPair } from '../../../shared/contracts';

/** Issue 13 item 10: the PowerShell executor checks at start-up that PowerShell is there. */

const dir = mkdtempSync(path.join(tmpdir(), 'agent-pwsh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const app = generateSigningKeyPair();
const agent = generateSigningKeyPair();

function config(executor: Record<string, unknown>) {
  return resolveAgentConfig(
    {
      site: 'dc1',
      agentId: 'agent-dc1',
      queue: {},
      trustedCommandKeys: { [app.keyId]: app.publicKeyPem },
      signingKey: { keyId: agent.keyId },
      executor: { kind: 'powershell', ...executor },
      ledgerPath: path.join(dir, 'ledger.jsonl'),
    },
    {
      LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      LIFEBOAT_AGENT_SIGNING_KEY: agent.privateKeyPem,
    },
  );
}

describe('PowerShell at start-up (issue 13 item 10)', () => {
  it('refuses a PowerShell path that does not exist, naming it and the setting', () => {
    const missing = path.join(dir, 'no-such', 'pwsh');
    expect(() => executorFor(config({ pwsh: missing }))).toThrow(
      new RegExp(`executor\\.pwsh: the PowerShell binary ${missing.replace(/[/\\]/g, '.')} does not exist`),
    );
  });

  it('refuses a PowerShell name that is not on PATH, saying what to install and what to set', () => {
    const run = () => executorFor(config({ pwsh: 'pwsh' }), { PATH: path.join(dir, 'empty-bin') });
    expect(run).toThrow(/executor\.pwsh: PowerShell "pwsh" was not found on PATH; install PowerShell 7/);
    expect(run).toThrow(/set executor\.pwsh to the full path/);
  });

  it('finds PowerShell on PATH, and then checks the scripts folder', () => {
    const bin = path.join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'pwsh'), '#!/bin/sh\n');
    chmodSync(path.join(bin, 'pwsh'), 0o755);
    expect(executorFor(config({ pwsh: 'pwsh' }), { PATH: bin }).executor.kind).toBe('powershell');
    expect(() => executorFor(config({ pwsh: 'pwsh', scriptsDir: dir }), { PATH: bin })).toThrow(
      /executor\.scriptsDir: .* lacks every agent script; set executor\.scriptsDir/,
    );
  });
});

describe('the Lync executable (issue 22 item 4)', () => {
  it('checks executor.executables.lync at start-up, naming that setting', () => {
    const bin = path.join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'pwsh'), '#!/bin/sh\n');
    chmodSync(path.join(bin, 'pwsh'), 0o755);
    expect(() =>
      executorFor(config({ pwsh: 'pwsh', executables: { lync: 'powershell.exe' } }), { PATH: bin }),
    ).toThrow(/executor\.executables\.lync: PowerShell "powershell\.exe" was not found on PATH/);
  });
});
