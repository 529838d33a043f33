import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair, verifyCommand } from '../../../shared/contracts';
import { loadConfig } from '../../../shared/config';
import { relayKeys } from '../../../shared/relay/keys';
import { sendCommand, type CommandQueue, type SendDeps } from '../../../shared/relay/send';
import type { CommandRecord, RelayStore } from '../../../shared/relay/store';

/** A store and queue of the real types, in memory. */
function fakes() {
  const records = new Map<string, CommandRecord>();
  const sent: { queue: string; text: string; ttl: number | undefined }[] = [];
  const store: RelayStore = {
    create: (r) => Promise.resolve(records.get(r.commandId) ?? (records.set(r.commandId, r), r)),
    get: (id) => Promise.resolve(records.has(id) ? { record: records.get(id)!, etag: '1' } : undefined),
    replace: () => Promise.resolve('2'),
    ignored: () => Promise.resolve(),
    listIgnored: () => Promise.resolve([]),
  };
  const queues = new Map<string, CommandQueue>();
  const queue = (name: string): CommandQueue => {
    let q = queues.get(name);
    if (q === undefined) {
      q = {
        createIfNotExists: () => Promise.resolve(),
        sendMessage: (text, o) => {
          sent.push({ queue: name, text, ttl: o?.messageTimeToLive });
          return Promise.resolve();
        },
      };
      queues.set(name, q);
    }
    return q;
  };
  return { records, sent, store, queue };
}

const key = generateSigningKeyPair();
const input = {
  commandId: '6f9619ff-8b86-4d01-b42d-00cf4fc964ff',
  instanceId: 'inst-1',
  site: 'site-a',
  type: 'hyperv.initiateFailback' as const,
  params: { vm: 'vm-01' },
  mode: 'failover' as const,
  issuedAt: '2026-01-01T00:00:00.000Z',
};

function deps(f: ReturnType<typeof fakes>, over: Partial<SendDeps> = {}): SendDeps {
  return {
    signing: { key: key.privateKey, keyId: 'app-1' },
    sites: ['site-a'],
    ttlSeconds: 900,
    store: f.store,
    queue: f.queue,
    now: () => new Date('2026-01-01T00:00:01Z'),
    ...over,
  };
}

describe('sendCommand', () => {
  it('signs a command the agent verifies, records it, and sends it to agent-<site>-commands with the TTL', async () => {
    const f = fakes();
    const out = await sendCommand(deps(f), input);
    expect(out).toEqual({
      commandId: input.commandId,
      commandHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      expiresAt: '2026-01-01T00:15:00.000Z',
    });
    expect(f.sent).toHaveLength(1);
    expect(f.sent[0]).toMatchObject({ queue: 'agent-site-a-commands', ttl: 900 });
    const v = verifyCommand(
      f.sent[0]!.text,
      new Map([['app-1', key.publicKey]]),
      new Date('2026-01-01T00:00:05Z'),
      0,
    );
    expect(v.ok && v.command.params).toEqual({ vm: 'vm-01' });
    expect(f.records.get(input.commandId)).toMatchObject({
      state: 'open',
      commandHash: out.commandHash,
      instanceId: 'inst-1',
      site: 'site-a',
      mode: 'failover',
    });
    // The output carries ids and the hash only: nothing key-shaped.
    expect(JSON.stringify(out)).not.toMatch(/PRIVATE|sig/);
  });

  it('a re-run sends the identical command (same bytes, same hash) so the agent ledger dedupes it', async () => {
    const f = fakes();
    const a = await sendCommand(deps(f), input);
    const b = await sendCommand(deps(f, { now: () => new Date('2026-01-01T00:05:00Z') }), input);
    expect(b).toEqual(a);
    expect(f.sent[1]!.text).toBe(f.sent[0]!.text);
  });

  it('refuses a reused command id, an unlisted site, a missing key and bad parameters before sending', async () => {
    const f = fakes();
    await sendCommand(deps(f), input);
    await expect(sendCommand(deps(f), { ...input, params: { vm: 'vm-02' } })).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'CommandIdReused',
    });
    await expect(sendCommand(deps(f), { ...input, site: 'site-b' })).rejects.toMatchObject({
      code: 'SiteNotAllowed',
    });
    await expect(sendCommand(deps(f, { signing: undefined }), input)).rejects.toThrow(
      /LIFEBOAT_RELAY_SIGNING_KEY/,
    );
    await expect(
      sendCommand(deps(fakes()), { ...input, params: { vm: 'x"; Remove-VM *' } }),
    ).rejects.toMatchObject({ code: 'InvalidCommand' });
    expect(f.sent).toHaveLength(1);
  });
});

describe('relay configuration', () => {
  it('loads with nothing set (other features keep working) and parses keys and sites', () => {
    const empty = loadConfig({});
    expect(empty.relay).toMatchObject({
      signingKey: undefined,
      sites: [],
      agentKeys: [],
      deliveryTimeoutSeconds: 120,
      fanoutConcurrency: 5,
    });
    const agent = generateSigningKeyPair();
    const c = loadConfig({
      LIFEBOAT_RELAY_SIGNING_KEY: key.privateKeyPem,
      LIFEBOAT_RELAY_SITES: 'site-a, site-b',
      LIFEBOAT_RELAY_AGENT_KEYS: JSON.stringify({
        k1: { agentId: 'agent-a', site: 'site-a', publicKey: agent.publicKeyPem },
      }),
    });
    expect(c.relay.sites).toEqual(['site-a', 'site-b']);
    const keys = relayKeys(c.relay);
    expect(keys.signing?.keyId).toBe(key.keyId);
    expect(keys.owners.get('k1')).toEqual({ agentId: 'agent-a', site: 'site-a' });
  });

  it('names the bad setting without echoing the secret', () => {
    expect(() => loadConfig({ LIFEBOAT_RELAY_SITES: 'Site_A' })).toThrow(/LIFEBOAT_RELAY_SITES/);
    expect(() => loadConfig({ LIFEBOAT_RELAY_AGENT_KEYS: '{not json' })).toThrow(
      /LIFEBOAT_RELAY_AGENT_KEYS: must be valid JSON/,
    );
    const bad = loadConfig({ LIFEBOAT_RELAY_SIGNING_KEY: 'not-a-key-secret-value' });
    expect(() => relayKeys(bad.relay)).toThrow(/LIFEBOAT_RELAY_SIGNING_KEY/);
    try {
      relayKeys(bad.relay);
    } catch (error) {
      expect(String(error)).not.toContain('not-a-key-secret-value');
    }
  });
});
