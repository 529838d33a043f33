import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../agent/agent';
import { resolveAgentConfig } from '../../../agent/config';
import { SimulatedSite, createSimulatedExecutor } from '../../../local/site';
import {
  generateSigningKeyPair,
  signCommand,
  verifyResult,
  type ResultEnvelope,
} from '../../../shared/contracts';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';

const appKey = generateSigningKeyPair();
const agentKey = generateSigningKeyPair();
const forger = generateSigningKeyPair();
let azurite: AzuriteHandle;
let dir: string;

beforeAll(async () => {
  azurite = await startAzurite();
  dir = mkdtempSync(path.join(tmpdir(), 'agent-it-'));
});
afterAll(async () => {
  await azurite?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function config(site: string) {
  return resolveAgentConfig(
    {
      site,
      agentId: `agent-${site}`,
      queue: { createIfMissing: true },
      trustedCommandKeys: { [appKey.keyId]: appKey.publicKeyPem },
      signingKey: { keyId: agentKey.keyId },
      executor: { kind: 'powershell' },
      ledgerPath: path.join(dir, `${site}.ledger.jsonl`),
      auditPath: path.join(dir, `${site}.audit.jsonl`),
      poll: { idleMinMs: 20, idleMaxMs: 100 },
    },
    {
      LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING: azurite.connectionString,
      LIFEBOAT_AGENT_SIGNING_KEY: agentKey.privateKeyPem,
    },
  );
}

/** Reads results until `count` arrived (the test's own timeout bounds the wait). */
async function collect(results: QueueClient, count: number): Promise<ResultEnvelope[]> {
  const out: ResultEnvelope[] = [];
  while (out.length < count) {
    const r = await results.receiveMessages({ numberOfMessages: 32 });
    for (const m of r.receivedMessageItems) {
      const v = verifyResult(m.messageText, new Map([[agentKey.keyId, agentKey.publicKey]]));
      if (!v.ok) throw new Error(`unverifiable result: ${v.reason}`);
      out.push(v.result);
      await results.deleteMessage(m.messageId, m.popReceipt);
    }
    if (r.receivedMessageItems.length === 0) await new Promise((res) => setTimeout(res, 50));
  }
  return out;
}

describe('agent against Azurite queues', () => {
  it('answers 100 copies of one command with one execution, refuses drill failbacks, drops forgeries, and stops on abort', async () => {
    const cfg = config('dc1');
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const commands = service.getQueueClient('agent-dc1-commands');
    const results = service.getQueueClient('agent-results');
    await commands.createIfNotExists();
    await results.createIfNotExists();

    const site = new SimulatedSite(
      { hyperv: { vms: [{ name: 'SQL01' }, { name: 'WEB01' }] } },
      () => new Date(),
    );
    const now = new Date();
    const base = {
      instanceId: 'vmFailback-1',
      site: 'dc1',
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 600_000).toISOString(),
    } as const;
    const failback = signCommand(
      {
        ...base,
        commandId: '11111111-1111-4111-8111-111111111111',
        type: 'hyperv.initiateFailback',
        params: { vm: 'SQL01' },
        mode: 'failover',
      },
      appKey.privateKey,
      appKey.keyId,
    );
    const drill = signCommand(
      {
        ...base,
        commandId: '22222222-2222-4222-8222-222222222222',
        type: 'hyperv.initiateFailback',
        params: { vm: 'WEB01' },
        mode: 'drill',
      },
      appKey.privateKey,
      appKey.keyId,
    );
    const forged = signCommand(
      {
        ...base,
        commandId: '33333333-3333-4333-8333-333333333333',
        type: 'hyperv.initiateFailback',
        params: { vm: 'WEB01' },
        mode: 'failover',
      },
      forger.privateKey,
      appKey.keyId,
    );

    await Promise.all(Array.from({ length: 100 }, () => commands.sendMessage(failback.text)));
    await commands.sendMessage(drill.text);
    await commands.sendMessage(forged.text);

    const controller = new AbortController();
    const running = run(
      cfg,
      { commands, results, executor: createSimulatedExecutor(site), log: () => undefined },
      controller.signal,
    );
    const got = await collect(results, 101);
    controller.abort();
    await running;

    expect(site.calls.initiateFailback).toBe(1);
    const forFailback = got.filter((r) => r.commandId === failback.command.commandId);
    expect(forFailback).toHaveLength(100);
    expect(new Set(forFailback.map((r) => r.outcome))).toEqual(new Set(['succeeded']));
    expect(forFailback.every((r) => r.commandHash === failback.commandHash)).toBe(true);
    expect(got.find((r) => r.commandId === drill.command.commandId)).toMatchObject({
      outcome: 'rejected',
      error: { code: 'refusedInDrill' },
    });
    expect(got.some((r) => r.commandId === forged.command.commandId)).toBe(false);
    // Every command message was deleted once answered (or dropped when untrusted).
    expect((await commands.getProperties()).approximateMessagesCount).toBe(0);

    const audit = readFileSync(cfg.auditPath!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.filter((e) => e.event === 'executing')).toHaveLength(1);
    expect(
      audit
        .filter((e) => e.event === 'rejected')
        .map((e) => e.reason)
        .sort(),
    ).toEqual(['badSignature', 'refusedInDrill']);
    expect(audit.filter((e) => e.event === 'resultSent')).toHaveLength(101);
    const text = JSON.stringify(audit);
    expect(text).not.toContain(azurite.accountKey);
    expect(text).not.toContain('PRIVATE KEY');
  });
});
