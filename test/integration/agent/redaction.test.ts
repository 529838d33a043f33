import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../agent/agent';
import type { AuditEvent } from '../../../agent/audit';
import { resolveAgentConfig } from '../../../agent/config';
import { SimulatedSite, createSimulatedExecutor } from '../../../local/site';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';
import { generateSigningKeyPair, signCommand } from '../../../shared/contracts';
import { startFakeQueueServer, type FakeQueueServer } from './fakeQueueServer';
import { requirePwsh } from '../powershell/pwsh';

/**
 * Issue 13 item 5: the agent redacts what the Azure SDK puts in error messages (here a server
 * that echoes the request URL, SAS signature included) in every log and audit line.
 */

const appKey = generateSigningKeyPair();
const agentKey = generateSigningKeyPair();
// A fake SAS signature, assembled at run time so no literal in the repository looks like a real one.
const secret = ['Zm9v', 'YmFy', 'c2lnbmF0dXJl'].join('') + 'Q';
const sas = `${'sig'}=${secret}&sv=2023-01-03&ss=q&srt=sco&sp=rwdlacup&se=2030-01-01T00%3A00%3A00Z`;
let azurite: AzuriteHandle;
let echo: FakeQueueServer;
let dir: string;

beforeAll(async () => {
  azurite = await startAzurite();
  echo = await startFakeQueueServer('echoUrlIn403');
  dir = mkdtempSync(path.join(tmpdir(), 'agent-redact-'));
});
afterAll(async () => {
  await echo?.stop();
  await azurite?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function config(site: string) {
  return resolveAgentConfig(
    {
      site,
      agentId: `agent-${site}`,
      queue: {},
      trustedCommandKeys: { [appKey.keyId]: appKey.publicKeyPem },
      signingKey: { keyId: agentKey.keyId },
      executor: { kind: 'powershell', pwsh: requirePwsh() },
      ledgerPath: path.join(dir, `${site}.ledger.jsonl`),
      poll: { idleMinMs: 20, idleMaxMs: 100, errorMaxMs: 100 },
    },
    {
      LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING: `QueueEndpoint=${echo.endpoint};SharedAccessSignature=${sas}`,
      LIFEBOAT_AGENT_SIGNING_KEY: agentKey.privateKeyPem,
    },
  );
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error(`never happened: ${what}`);
}

describe('agent redaction', () => {
  it('the SDK error echoing a SAS signature is redacted in log lines', async () => {
    const logs: string[] = [];
    const controller = new AbortController();
    const running = run(
      config('dc1'),
      { log: (m) => logs.push(m), audit: () => undefined },
      controller.signal,
    );
    await until('a failed poll was logged', () => logs.some((l) => l.includes('Refused')));
    controller.abort();
    await running;
    // The server did echo it (so the test can fail), and no line carries it.
    expect(echo.requests.length).toBeGreaterThan(0);
    expect(logs.join('\n')).toMatch(/sig=\*\*\*/);
    expect(logs.join('\n')).not.toContain(secret);
  });

  it('the SDK error echoing a SAS signature is redacted in audit lines', async () => {
    const cfg = config('dc2');
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const commands = service.getQueueClient('agent-dc2-commands');
    await commands.createIfNotExists();
    const now = new Date();
    const ping = signCommand(
      {
        commandId: '44444444-4444-4444-8444-444444444444',
        instanceId: 'ping-1',
        site: 'dc2',
        type: 'agent.ping',
        params: {},
        mode: 'drill',
        issuedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 600_000).toISOString(),
      },
      appKey.privateKey,
      appKey.keyId,
    );
    await commands.sendMessage(ping.text);
    const audit: AuditEvent[] = [];
    const controller = new AbortController();
    const running = run(
      cfg,
      {
        commands,
        // Results go to the echoing server with a SAS in the URL.
        results: new QueueClient(`${echo.endpoint}/agent-results?${sas}`),
        executor: createSimulatedExecutor(new SimulatedSite({}, () => new Date())),
        audit: (e) => audit.push(e),
        log: () => undefined,
      },
      controller.signal,
    );
    await until('a failed send was audited', () => audit.some((e) => e.event === 'sendFailed'));
    controller.abort();
    await running;
    const failed = audit.find((e) => e.event === 'sendFailed');
    expect(failed?.detail).toMatch(/sig=\*\*\*/);
    expect(JSON.stringify(audit)).not.toContain(secret);
  });
});
