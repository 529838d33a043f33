import { sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_QUEUE_MESSAGE_BYTES,
  canonicalJson,
  decodeSignedMessage,
  generateSigningKeyPair,
  signCommand,
  signResult,
  verifyCommand,
  verifyResult,
  type CommandEnvelopeInput,
} from '../../../shared/contracts';

/**
 * Issue 13, items 6 and 7: the verifiers accept only the exact canonical serialisation the signer
 * writes (so the signed meaning is the executed meaning), refuse oversized input before converting
 * it to text, and keep the detail of a refusal short whatever the input.
 */

const app = generateSigningKeyPair();
const agent = generateSigningKeyPair();
const appKeys = new Map([[app.keyId, app.publicKey]]);
const agentKeys = new Map([[agent.keyId, agent.publicKey]]);
const now = new Date('2026-03-01T12:00:00.000Z');
const SKEW = 60_000;

const command: CommandEnvelopeInput = {
  commandId: '0b8a4a3e-5f7e-4c1e-9a53-6f1f0c2d9e11',
  instanceId: 'restore-abc',
  site: 'dc1',
  type: 'hyperv.initiateFailback',
  params: { vm: 'SQL01' },
  mode: 'failover',
  issuedAt: '2026-03-01T11:59:00.000Z',
  expiresAt: '2026-03-01T12:14:00.000Z',
};

/** Signs `text` byte for byte with `key`, as a signer that does not canonicalise would. */
function signText(text: string | Buffer, key = app) {
  const payload = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return {
    v: 1,
    keyId: key.keyId,
    payload: payload.toString('base64'),
    sig: sign(null, payload, key.privateKey).toString('base64'),
  };
}

describe('canonical payloads only (issue 13 item 7)', () => {
  const signed = signCommand(command, app.privateKey, app.keyId);
  const canonical = Buffer.from(signed.message.payload, 'base64').toString('utf8');
  const value = JSON.parse(canonical) as Record<string, unknown>;

  it('accepts the canonical bytes the signer writes', () => {
    expect(verifyCommand(signText(canonical), appKeys, now, SKEW)).toMatchObject({ ok: true });
  });

  it('refuses duplicate keys, pretty-printing, reordered keys and a BOM, signed with the real key', () => {
    const duplicate = canonical.replace('"params":{"vm":"SQL01"}', '"params":{"vm":"SQL01","vm":"EVIL"}');
    expect(duplicate).not.toBe(canonical);
    const variants = {
      duplicate,
      duplicateTopLevel: canonical.replace('"mode":"failover"', '"mode":"drill","mode":"failover"'),
      pretty: JSON.stringify(value, null, 2),
      spaced: canonical.replace(/,"/g, ', "'),
      reordered: JSON.stringify(Object.fromEntries(Object.entries(value).reverse())),
      trailingNewline: `${canonical}\n`,
      escaped: canonical.replace('"SQL01"', '"\\u0053QL01"'),
    };
    for (const [name, text] of Object.entries(variants)) {
      const r = verifyCommand(signText(text), appKeys, now, SKEW);
      expect({ name, ok: r.ok, reason: r.ok ? undefined : r.reason }).toEqual({
        name,
        ok: false,
        reason: 'malformed',
      });
      // Nothing of an ambiguous payload is believed, not even its id.
      expect(r.ok ? undefined : r.trusted).toBeUndefined();
    }
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(canonical, 'utf8')]);
    expect(verifyCommand(signText(bom), appKeys, now, SKEW)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses non-canonical results as well', () => {
    const at = '2026-03-01T12:00:00.000Z';
    const r = signResult(
      {
        commandId: command.commandId,
        instanceId: command.instanceId,
        commandHash: 'a'.repeat(64),
        agentId: 'agent-dc1',
        site: 'dc1',
        type: 'agent.ping',
        outcome: 'succeeded',
        output: { agentId: 'agent-dc1', site: 'dc1', executor: 'simulated', version: '1.0.0' },
        timings: { receivedAt: at, finishedAt: at },
      },
      agent.privateKey,
      agent.keyId,
    );
    const text = Buffer.from(r.message.payload, 'base64').toString('utf8');
    expect(verifyResult(signText(text, agent), agentKeys)).toMatchObject({ ok: true });
    const forgedOutcome = text.replace('"outcome":"succeeded"', '"outcome":"failed","outcome":"succeeded"');
    expect(verifyResult(signText(forgedOutcome, agent), agentKeys)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyResult(signText(JSON.stringify(JSON.parse(text), null, 1), agent), agentKeys)).toMatchObject(
      {
        ok: false,
        reason: 'malformed',
      },
    );
  });

  it('every command signCommand produces still verifies (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][\w.-]{0,20}$/), fc.boolean(), (instanceId, drill) => {
        const s = signCommand(
          { ...command, instanceId, mode: drill ? 'drill' : 'failover' },
          app.privateKey,
          app.keyId,
        );
        return verifyCommand(s.text, appKeys, now, SKEW).ok;
      }),
      { numRuns: 200 },
    );
  });
});

describe('bounded input (issue 13 item 6)', () => {
  it('refuses an oversized Buffer before converting it to text', () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x41);
    let converted = 0;
    // Count conversions of this one Buffer (an instance property, not a module mock).
    const original = big.toString.bind(big);
    big.toString = (...args: Parameters<Buffer['toString']>) => {
      converted++;
      return original(...args);
    };
    expect(decodeSignedMessage(big)).toMatchObject({ ok: false, reason: 'tooLarge' });
    expect(converted).toBe(0);
  });

  it('keeps the detail of a refusal short whatever the message holds', () => {
    const hugeKey = 'k'.repeat(60_000);
    const text = JSON.stringify({ v: 1, keyId: 'x', payload: '', sig: 'A'.repeat(86) + '==', [hugeKey]: 1 });
    expect(text.length).toBeLessThan(MAX_QUEUE_MESSAGE_BYTES);
    const r = decodeSignedMessage(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.detail.length).toBeLessThanOrEqual(500);
    const unsigned = verifyCommand(text, appKeys, now, SKEW);
    expect(unsigned.ok ? '' : unsigned.detail.length).toBeLessThanOrEqual(500);
  });

  it('canonicalJson round-trips what it writes', () => {
    expect(canonicalJson(JSON.parse(canonicalJson({ b: 1, a: [1, { d: 'x', c: null }] })))).toBe(
      '{"a":[1,{"c":null,"d":"x"}],"b":1}',
    );
  });
});
