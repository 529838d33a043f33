import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLinesAudit, memoryAudit, MAX_AUDIT_FIELD_CHARS } from '../../../agent/audit';
import { AgentCore } from '../../../agent/core';
import { SimulatedSite, createSimulatedExecutor } from '../../../local/site';
import { Ledger, LEDGER_COMPACT_SLACK_LINES, ledgerEntryBound } from '../../../agent/ledger';
import { generateSigningKeyPair, signCommand, verifyResult } from '../../../shared/contracts';

/**
 * Issue 13 item 6: the agent's memory and files stay bounded while it runs. The ledger prunes and
 * compacts as it goes (not only when it opens), and an audit line never carries a whole message.
 */

const appKey = generateSigningKeyPair();
const agentKey = generateSigningKeyPair();
const dirs: string[] = [];
const ledgers: Ledger[] = [];
afterEach(async () => {
  for (const l of ledgers.splice(0)) await l.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir() {
  const d = mkdtempSync(path.join(tmpdir(), 'agent-bounded-'));
  dirs.push(d);
  return d;
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '').length;

describe('bounded ledger (issue 13 item 6)', () => {
  it('3,000 commands over 75 simulated hours keep entries and file within the documented bound', async () => {
    let t = new Date('2026-03-01T00:00:00.000Z');
    const now = () => t;
    const retentionMs = 3600_000;
    const lifetimeMs = 15 * 60_000;
    const intervalMs = 90_000; // 3,000 commands × 90 s = 75 h
    const file = path.join(tempDir(), 'ledger.jsonl');
    const ledger = await Ledger.open(file, { now, retentionMs });
    ledgers.push(ledger);
    const core = new AgentCore({
      site: 'dc1',
      agentId: 'agent-dc1',
      signingKey: agentKey.privateKey,
      signingKeyId: agentKey.keyId,
      trustedKeys: new Map([[appKey.keyId, appKey.publicKey]]),
      maxClockSkewMs: 60_000,
      executor: createSimulatedExecutor(new SimulatedSite({}, now)),
      ledger,
      audit: () => undefined,
      now,
    });
    // What the documentation promises for this rate: entries of commands that expired less than
    // `retention` ago, hence at most (lifetime + retention) / interval + 1 of them.
    const entryBound = ledgerEntryBound({ lifetimeMs, retentionMs, intervalMs });
    expect(entryBound).toBe(51);
    let maxEntries = 0;
    let maxLines = 0;
    let last = '';
    for (let i = 0; i < 3000; i++) {
      const c = signCommand(
        {
          commandId: `0b8a4a3e-5f7e-4c1e-9a53-${String(i).padStart(12, '0')}`,
          instanceId: 'ping',
          site: 'dc1',
          type: 'agent.ping',
          params: {},
          mode: 'drill',
          issuedAt: t.toISOString(),
          expiresAt: new Date(t.getTime() + lifetimeMs).toISOString(),
        },
        appKey.privateKey,
        appKey.keyId,
      );
      last = c.text;
      await core.handle(c.text);
      maxEntries = Math.max(maxEntries, ledger.size);
      maxLines = Math.max(maxLines, lines(file));
      t = new Date(t.getTime() + intervalMs);
    }
    expect(maxEntries).toBeLessThanOrEqual(entryBound);
    // Two lines per entry (started, completed), plus the slack allowed before compacting.
    expect(maxLines).toBeLessThanOrEqual(2 * 2 * entryBound + LEDGER_COMPACT_SLACK_LINES + 2);
    expect(statSync(file).size).toBeLessThan(1024 * 1024);
    // What is still live is still answered from the ledger (byte for byte), not executed again.
    t = new Date(t.getTime() - intervalMs);
    const again = await core.handle(last);
    expect(verifyResult(again.reply, new Map([[agentKey.keyId, agentKey.publicKey]]))).toMatchObject({
      ok: true,
    });
    expect(ledger.size).toBeLessThanOrEqual(entryBound);
    // And a restart reads the compacted file.
    await ledger.close();
    const reopened = await Ledger.open(file, { now, retentionMs });
    ledgers.push(reopened);
    expect(reopened.skippedLines).toBe(0);
    expect(reopened.size).toBeLessThanOrEqual(entryBound);
    expect(reopened.get('0b8a4a3e-5f7e-4c1e-9a53-000000002999')?.result).toBeDefined();
  });
});

describe('bounded audit (issue 13 item 6)', () => {
  it('an unsigned message with a 60,000-character key does not write that key into the audit log', async () => {
    const t = new Date('2026-03-01T00:00:00.000Z');
    const now = () => t;
    const dir = tempDir();
    const ledger = await Ledger.open(path.join(dir, 'ledger.jsonl'), { now, retentionMs: 3600_000 });
    ledgers.push(ledger);
    const audit = memoryAudit();
    const auditFile = path.join(dir, 'audit.jsonl');
    const fileAudit = jsonLinesAudit({ agentId: 'agent-dc1', site: 'dc1', now, file: auditFile });
    const core = new AgentCore({
      site: 'dc1',
      agentId: 'agent-dc1',
      signingKey: agentKey.privateKey,
      signingKeyId: agentKey.keyId,
      trustedKeys: new Map([[appKey.keyId, appKey.publicKey]]),
      maxClockSkewMs: 60_000,
      executor: createSimulatedExecutor(new SimulatedSite({}, now)),
      ledger,
      audit: (e) => {
        audit(e);
        fileAudit(e);
      },
      now,
    });
    const hugeKey = 'k'.repeat(60_000);
    const text = JSON.stringify({ v: 1, keyId: 'x', payload: '', sig: 'A'.repeat(86) + '==', [hugeKey]: 1 });
    expect(await core.handle(text)).toEqual({ delete: true });
    const rejected = audit.events.find((e) => e.event === 'rejected');
    expect(rejected?.reason).toBe('malformed');
    for (const e of audit.events)
      for (const v of Object.values(e))
        if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(MAX_AUDIT_FIELD_CHARS);
    expect(statSync(auditFile).size).toBeLessThan(4 * 1024);
  });
});
