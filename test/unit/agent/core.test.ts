import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryAudit } from '../../../agent/audit';
import { AgentCore } from '../../../agent/core';
import { SimulatedSite, createSimulatedExecutor } from '../../../local/site';
import { Ledger } from '../../../agent/ledger';
import {
  generateSigningKeyPair,
  signCommand,
  verifyResult,
  type CommandEnvelopeInput,
} from '../../../shared/contracts';

const appKey = generateSigningKeyPair();
const agentKey = generateSigningKeyPair();
const otherKey = generateSigningKeyPair();
let t = new Date('2026-03-01T12:00:00.000Z');
const now = () => t;
const dirs: string[] = [];
const ledgers: Ledger[] = [];
afterEach(async () => {
  // Every test stops what it starts: close ledgers a test left open (closing twice is harmless).
  for (const l of ledgers.splice(0)) await l.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function site() {
  return new SimulatedSite(
    {
      lync: {
        pools: [{ fqdn: 'pool2.contoso.com', pairedWith: 'pool1.contoso.com', syncDurationMs: 60_000 }],
      },
      hyperv: { vms: [{ name: 'SQL01', failbackDurationMs: 30_000 }, { name: 'WEB01' }] },
      pchat: { pools: ['pc.contoso.com'] },
    },
    now,
  );
}

async function agentOn(
  s: SimulatedSite,
  ledgerPath: string,
  extra: Partial<ConstructorParameters<typeof AgentCore>[0]> = {},
) {
  const ledger = await Ledger.open(ledgerPath, { now, retentionMs: 48 * 3600_000 });
  ledgers.push(ledger);
  const audit = memoryAudit();
  const core = new AgentCore({
    site: 'dc1',
    agentId: 'agent-dc1',
    signingKey: agentKey.privateKey,
    signingKeyId: agentKey.keyId,
    trustedKeys: new Map([[appKey.keyId, appKey.publicKey]]),
    maxClockSkewMs: 60_000,
    executor: createSimulatedExecutor(s),
    ledger,
    audit,
    now,
    ...extra,
  });
  return { core, ledger, audit };
}

function ledgerFile() {
  const d = mkdtempSync(path.join(tmpdir(), 'agent-core-'));
  dirs.push(d);
  return path.join(d, 'ledger.jsonl');
}

let seq = 0;
function cmd(over: Partial<Record<string, unknown>> = {}, key = appKey) {
  const input = {
    commandId: `0b8a4a3e-5f7e-4c1e-9a53-${String(++seq).padStart(12, '0')}`,
    instanceId: 'restore-1',
    site: 'dc1',
    type: 'hyperv.initiateFailback',
    params: { vm: 'SQL01' },
    mode: 'failover',
    issuedAt: t.toISOString(),
    expiresAt: new Date(t.getTime() + 15 * 60_000).toISOString(),
    ...over,
  } as CommandEnvelopeInput;
  return signCommand(input, key.privateKey, key.keyId);
}

function result(reply: string | undefined) {
  const v = verifyResult(reply, new Map([[agentKey.keyId, agentKey.publicKey]]));
  if (!v.ok) throw new Error(`bad result: ${v.reason} ${v.detail}`);
  return v.result;
}

describe('AgentCore', () => {
  it('executes the same command delivered 100 times, concurrently and again later, exactly once', async () => {
    const s = site();
    const { core, audit } = await agentOn(s, ledgerFile());
    const c = cmd();
    const decisions = await Promise.all(Array.from({ length: 100 }, () => core.handle(c.text)));
    for (let i = 0; i < 100; i++) decisions.push(await core.handle(c.text));
    expect(s.calls.initiateFailback).toBe(1);
    const replies = new Set(decisions.map((d) => d.reply));
    expect(replies.size).toBe(1); // every copy answered with the same signed result
    const r = result(decisions[0]!.reply);
    expect(r).toMatchObject({
      outcome: 'succeeded',
      commandId: c.command.commandId,
      commandHash: c.commandHash,
      output: { returnCode: 4096 },
    });
    expect(audit.events.filter((e) => e.event === 'answeredFromLedger')).toHaveLength(199);
  });

  it('an agent killed after executing and before answering does not execute again after restart', async () => {
    const s = site();
    const file = ledgerFile();
    const first = await agentOn(s, file, {
      afterExecute: () => {
        throw new Error('killed');
      },
    });
    const c = cmd();
    await expect(first.core.handle(c.text)).rejects.toThrow('killed');
    await first.ledger.close();
    expect(s.calls.initiateFailback).toBe(1);

    const second = await agentOn(s, file);
    const d = await second.core.handle(c.text);
    expect(s.calls.initiateFailback).toBe(1);
    expect(result(d.reply)).toMatchObject({
      outcome: 'alreadyDone',
      output: { returnCode: null, replicationState: 'WaitingForFailback' },
    });
    // Even after the command expired, the answer comes from the ledger.
    t = new Date(t.getTime() + 3600_000);
    expect(result((await second.core.handle(c.text)).reply).outcome).toBe('alreadyDone');
    await second.ledger.close();
    // A restart with a fresh process reads the completed entry from disk.
    const third = await agentOn(s, file);
    expect(result((await third.core.handle(c.text)).reply).outcome).toBe('alreadyDone');
    expect(s.calls.initiateFailback).toBe(1);
    await third.ledger.close();
  });

  it('reports interrupted for an interrupted backup sync instead of re-running it', async () => {
    const s = site();
    const file = ledgerFile();
    const first = await agentOn(s, file, { afterExecute: () => Promise.reject(new Error('killed')) });
    const c = cmd({
      type: 'lync.backupSync',
      params: { poolFqdn: 'pool2.contoso.com', lostPoolFqdn: 'pool1.contoso.com' },
    });
    await expect(first.core.handle(c.text)).rejects.toThrow('killed');
    await first.ledger.close();
    const second = await agentOn(s, file);
    expect(result((await second.core.handle(c.text)).reply)).toMatchObject({
      outcome: 'failed',
      error: { code: 'interrupted' },
    });
    expect(s.calls.backupSync).toBe(1);
  });

  it('refuses state-changing commands in drill mode and allows reads and test failovers', async () => {
    const s = site();
    const { core, audit } = await agentOn(s, ledgerFile());
    for (const [type, params] of [
      ['hyperv.initiateFailback', { vm: 'SQL01' }],
      ['lync.backupSync', { poolFqdn: 'pool2.contoso.com', lostPoolFqdn: 'pool1.contoso.com' }],
      ['pchat.ensureLegacyEndpoint', { sipAddress: 'sip:chat@contoso.com', poolFqdn: 'pc.contoso.com' }],
    ] as const) {
      const r = result((await core.handle(cmd({ type, params, mode: 'drill' }).text)).reply);
      expect(r).toMatchObject({ outcome: 'rejected', error: { code: 'refusedInDrill' } });
    }
    expect(s.calls).toMatchObject({ initiateFailback: 0, backupSync: 0, createEndpoint: 0 });
    expect(audit.events.filter((e) => e.event === 'rejected' && e.reason === 'refusedInDrill')).toHaveLength(
      3,
    );
    expect(
      result((await core.handle(cmd({ type: 'hyperv.startTestFailover', mode: 'drill' }).text)).reply),
    ).toMatchObject({ outcome: 'succeeded', output: { testVmName: 'SQL01 - Test' } });
    expect(
      result((await core.handle(cmd({ type: 'hyperv.replicationState', mode: 'drill' }).text)).reply),
    ).toMatchObject({ outcome: 'succeeded', output: { replicationState: 'FailedOver' } });
  });

  it('rejects expired and wrong-site commands with a signed rejection, and drops unsigned or forged ones', async () => {
    const s = site();
    const { core, audit } = await agentOn(s, ledgerFile());
    const expired = cmd({ issuedAt: '2026-03-01T10:00:00.000Z', expiresAt: '2026-03-01T10:15:00.000Z' });
    expect(result((await core.handle(expired.text)).reply)).toMatchObject({
      outcome: 'rejected',
      error: { code: 'expired' },
      commandId: expired.command.commandId,
    });
    expect(result((await core.handle(cmd({ site: 'dc2' }).text)).reply)).toMatchObject({
      outcome: 'rejected',
      error: { code: 'wrongSite' },
    });
    const forged = cmd({}, otherKey);
    const forgedSameId = { ...forged.message, keyId: appKey.keyId };
    for (const m of [
      forged.text,
      Buffer.from(JSON.stringify(forgedSameId)).toString('base64'),
      Buffer.from(forged.message.payload, 'base64').toString('base64'),
    ]) {
      const d = await core.handle(m);
      expect(d).toEqual({ delete: true });
    }
    expect(s.calls.initiateFailback).toBe(0);
    expect(audit.events.filter((e) => e.event === 'rejected').map((e) => e.reason)).toEqual([
      'expired',
      'wrongSite',
      'unknownKey',
      'badSignature',
      'malformed',
    ]);
    expect(JSON.stringify(audit.events)).not.toContain('PRIVATE');
  });

  // Issue 22 item 8: the VM is read before InitiateFailback, so a repeated failback is answered
  // alreadyDone from that read without calling again (it was answered after a 32775 before).
  it('answers a repeated failback alreadyDone from the state read first, without calling again', async () => {
    const s = site();
    const { core } = await agentOn(s, ledgerFile());
    expect(result((await core.handle(cmd().text)).reply).outcome).toBe('succeeded');
    const again = result((await core.handle(cmd().text)).reply);
    expect(again).toMatchObject({
      outcome: 'alreadyDone',
      output: { returnCode: null, replicationState: 'WaitingForFailback' },
    });
    expect(s.calls.initiateFailback).toBe(1);
    s.failVm('WEB01', 'initiate');
    expect(result((await core.handle(cmd({ params: { vm: 'WEB01' } }).text)).reply)).toMatchObject({
      outcome: 'failed',
      error: { code: 'wmi-32768' },
    });
  });

  it('creates a legacy endpoint only when absent', async () => {
    const s = site();
    const { core } = await agentOn(s, ledgerFile());
    const params = { sipAddress: 'sip:chat@contoso.com', poolFqdn: 'pc.contoso.com' };
    expect(
      result((await core.handle(cmd({ type: 'pchat.ensureLegacyEndpoint', params }).text)).reply),
    ).toMatchObject({ outcome: 'succeeded', output: { created: true } });
    expect(
      result((await core.handle(cmd({ type: 'pchat.ensureLegacyEndpoint', params }).text)).reply),
    ).toMatchObject({ outcome: 'alreadyDone', output: { created: false } });
    expect(
      result(
        (
          await core.handle(
            cmd({ type: 'pchat.ensureLegacyEndpoint', params: { ...params, poolFqdn: 'pc2.contoso.com' } })
              .text,
          )
        ).reply,
      ),
    ).toMatchObject({ outcome: 'failed', error: { code: 'conflict' } });
    expect(s.calls.createEndpoint).toBe(1);
  });

  it('issue 22 items 10 and 11: a second endpoint for a pool and a SIP address a user still holds are refused', async () => {
    const s = new SimulatedSite(
      {
        pchat: {
          pools: ['pc.contoso.com'],
          endpoints: [{ sipAddress: 'sip:first@contoso.com', poolFqdn: 'pc.contoso.com' }],
          users: [{ identity: 'CN=OCS Chat,DC=contoso,DC=com', sipAddress: 'sip:ocschat@contoso.com' }],
        },
      },
      now,
    );
    const { core } = await agentOn(s, ledgerFile());
    const ensure = (sipAddress: string) =>
      core
        .handle(
          cmd({ type: 'pchat.ensureLegacyEndpoint', params: { sipAddress, poolFqdn: 'pc.contoso.com' } })
            .text,
        )
        .then((d) => result(d.reply));
    expect(await ensure('sip:second@contoso.com')).toMatchObject({
      outcome: 'rejected',
      error: {
        code: 'PoolHasEndpoint',
        message: expect.stringContaining('sip:first@contoso.com') as unknown,
      },
    });
    expect(await ensure('sip:ocschat@contoso.com')).toMatchObject({
      outcome: 'rejected',
      error: { code: 'SipAddressInUse', message: expect.stringContaining('CN=OCS Chat') as unknown },
    });
    // The endpoint already there stays alreadyDone.
    expect(await ensure('sip:first@contoso.com')).toMatchObject({ outcome: 'alreadyDone' });
    expect(s.getEndpoint('sip:second@contoso.com').exists).toBe(false);
  });
});
