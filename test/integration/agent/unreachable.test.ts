import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../agent/agent';
import { runCli } from '../../../agent/cli';
import { resolveAgentConfig } from '../../../agent/config';
import type { Executor } from '../../../agent/executors/types';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';
import { generateSigningKeyPair, signCommand, verifyResult } from '../../../shared/contracts';
import { startFakeQueueServer, type FakeQueueServer } from './fakeQueueServer';
import { requirePwsh } from '../powershell/pwsh';

/**
 * Issue 13 item 9: with storage unreachable the agent says which step failed against which queue
 * endpoint, logs each retry with its backoff and count, and stops on a signal while idle without
 * waiting for the request in flight (but after the command in hand when busy).
 */

const appKey = generateSigningKeyPair();
const agentKey = generateSigningKeyPair();
let dir: string;
let closedPort: number;
let hanging: FakeQueueServer;
let azurite: AzuriteHandle;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'agent-unreachable-'));
  // A port nobody listens on: bind one, note it, close it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  hanging = await startFakeQueueServer('hang');
  azurite = await startAzurite();
});
afterAll(async () => {
  await hanging?.stop();
  await azurite?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function config(site: string, endpoint: string, createIfMissing: boolean) {
  return resolveAgentConfig(
    {
      site,
      agentId: `agent-${site}`,
      queue: { createIfMissing },
      trustedCommandKeys: { [appKey.keyId]: appKey.publicKeyPem },
      signingKey: { keyId: agentKey.keyId },
      executor: { kind: 'powershell', pwsh: requirePwsh() },
      ledgerPath: path.join(dir, `${site}.ledger.jsonl`),
      poll: { idleMinMs: 20, idleMaxMs: 100, errorMaxMs: 160 },
    },
    {
      LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${Buffer.from('not-a-real-key').toString('base64')};QueueEndpoint=${endpoint}`,
      LIFEBOAT_AGENT_SIGNING_KEY: agentKey.privateKeyPem,
    },
  );
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error(`never happened: ${what}`);
}

describe('agent with an unreachable queue (issue 13 item 9)', () => {
  it('creating the queues: names the step and endpoint, logs retries with backoff and count, stops on abort', async () => {
    const endpoint = `http://127.0.0.1:${closedPort}/devstoreaccount1`;
    const logs: string[] = [];
    const controller = new AbortController();
    const running = run(
      config('dc1', endpoint, true),
      { log: (m) => logs.push(m), audit: () => undefined },
      controller.signal,
    );
    await until(
      'three failed attempts were logged',
      () => logs.filter((l) => /attempt \d+/.test(l)).length >= 3,
    );
    controller.abort();
    await running; // resolves: an abort is a stop, not a failure
    const failures = logs.filter((l) => /attempt \d+/.test(l));
    expect(failures[0]).toContain(
      `creating queue agent-dc1-commands at ${endpoint}/agent-dc1-commands failed (attempt 1; retrying in 20 ms)`,
    );
    expect(failures[1]).toMatch(/attempt 2; retrying in 40 ms/);
    expect(failures[2]).toMatch(/attempt 3; retrying in 80 ms/);
    expect(failures[0]).toMatch(/ECONNREFUSED/);
  });

  it('polling: names the step and endpoint and counts the attempts', async () => {
    const endpoint = `http://127.0.0.1:${closedPort}/devstoreaccount1`;
    const logs: string[] = [];
    const controller = new AbortController();
    const running = run(
      config('dc2', endpoint, false),
      { log: (m) => logs.push(m), audit: () => undefined },
      controller.signal,
    );
    await until('two failed polls were logged', () => logs.filter((l) => /attempt \d+/.test(l)).length >= 2);
    controller.abort();
    await running;
    const failures = logs.filter((l) => /attempt \d+/.test(l));
    expect(failures[0]).toContain(
      `receiving commands from ${endpoint}/agent-dc2-commands failed (attempt 1; retrying in`,
    );
    expect(failures[1]).toMatch(/attempt 2; retrying in \d+ ms/);
  });

  it('SIGINT while idle cancels the receive in flight instead of waiting for it', async () => {
    const before = hanging.requests.length;
    const lines: string[] = [];
    const signals = new EventEmitter();
    const file = path.join(dir, 'hang.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      JSON.stringify({
        site: 'dc3',
        agentId: 'agent-dc3',
        queue: {},
        trustedCommandKeys: { [appKey.keyId]: appKey.publicKeyPem },
        signingKey: { keyId: agentKey.keyId },
        executor: { kind: 'powershell', pwsh: requirePwsh() },
        ledgerPath: path.join(dir, 'dc3.ledger.jsonl'),
      }),
    );
    const exit = runCli(['--config', file], {
      env: {
        LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${Buffer.from('not-a-real-key').toString('base64')};QueueEndpoint=${hanging.endpoint}`,
        LIFEBOAT_AGENT_SIGNING_KEY: agentKey.privateKeyPem,
      },
      stderr: (l) => lines.push(l),
      signals,
    });
    // The server holds the receive without answering.
    await until('the receive is in flight', () => hanging.requests.length > before);
    signals.emit('SIGINT');
    expect(await exit).toBe(0);
    // It stopped because the request was cancelled, not because the server answered.
    await until('the server saw the request abandoned', () => hanging.abandoned >= 1);
    expect(lines.join('\n')).toMatch(/SIGINT received/);
    expect(lines.at(-1)).toBe('agent: stopped');
  }, 20_000);

  it('a stop while busy still finishes the command in hand (result sent, message deleted)', async () => {
    const cfg = config('dc4', 'http://127.0.0.1:1/unused', false);
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const commands = service.getQueueClient('agent-dc4-commands');
    const results = service.getQueueClient('agent-results-dc4');
    await commands.createIfNotExists();
    await results.createIfNotExists();
    const now = new Date();
    const read = signCommand(
      {
        commandId: '55555555-5555-4555-8555-555555555555',
        instanceId: 'state-1',
        site: 'dc4',
        type: 'hyperv.replicationState',
        params: { vm: 'SQL01' },
        mode: 'drill',
        issuedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 600_000).toISOString(),
      },
      appKey.privateKey,
      appKey.keyId,
    );
    await commands.sendMessage(read.text);
    let release: () => void = () => undefined;
    let started = false;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const executor: Executor = {
      kind: 'simulated',
      execute: async () => {
        started = true;
        await gate;
        return { vm: 'SQL01', replicationState: 'Replicating' } as never;
      },
    };
    const controller = new AbortController();
    const running = run(
      cfg,
      { commands, results, executor, log: () => undefined, audit: () => undefined },
      controller.signal,
    );
    await until('the command is executing', () => started);
    controller.abort();
    release();
    await running;
    const got = await results.receiveMessages({ numberOfMessages: 32 });
    expect(got.receivedMessageItems).toHaveLength(1);
    const v = verifyResult(
      got.receivedMessageItems[0]!.messageText,
      new Map([[agentKey.keyId, agentKey.publicKey]]),
    );
    expect(v).toMatchObject({
      ok: true,
      result: { commandId: read.command.commandId, outcome: 'succeeded' },
    });
    expect((await commands.getProperties()).approximateMessagesCount).toBe(0);
  });
});
