import { sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_QUEUE_MESSAGE_BYTES,
  canonicalJson,
  decodeSignedMessage,
  generateSigningKeyPair,
  loadPrivateKey,
  loadPublicKey,
  publicKeyToBase64,
  sha256Hex,
  signCommand,
  signResult,
  verifyCommand,
  verifyResult,
  type CommandEnvelopeInput,
} from '../../../shared/contracts';

const app = generateSigningKeyPair();
const agent = generateSigningKeyPair();
const other = generateSigningKeyPair();
const appKeys = new Map([[app.keyId, app.publicKey]]);
const agentKeys = new Map([[agent.keyId, agent.publicKey]]);
const now = new Date('2026-03-01T12:00:00.000Z');
const SKEW = 60_000;

function command(over: Partial<Record<string, unknown>> = {}): CommandEnvelopeInput {
  return {
    commandId: '0b8a4a3e-5f7e-4c1e-9a53-6f1f0c2d9e11',
    instanceId: 'restore-abc',
    site: 'dc1',
    type: 'hyperv.initiateFailback',
    params: { vm: 'SQL01' },
    mode: 'failover',
    issuedAt: '2026-03-01T11:59:00.000Z',
    expiresAt: '2026-03-01T12:14:00.000Z',
    ...over,
  };
}

describe('signCommand / verifyCommand', () => {
  it('round-trips a command with defaults in the signed bytes', () => {
    const signed = signCommand(
      command({
        type: 'lync.backupSync',
        params: { poolFqdn: 'pool2.contoso.com', lostPoolFqdn: 'pool1.contoso.com' },
      }),
      app.privateKey,
      app.keyId,
    );
    const v = verifyCommand(signed.text, appKeys, now, SKEW);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.command.type).toBe('lync.backupSync');
    expect(v.command.params).toEqual({
      poolFqdn: 'pool2.contoso.com',
      lostPoolFqdn: 'pool1.contoso.com',
      module: 'ConfServices.DataConf',
    });
    expect(v.commandHash).toBe(signed.commandHash);
    expect(v.commandHash).toBe(sha256Hex(Buffer.from(signed.message.payload, 'base64')));
    // The parsed object form (what a Functions queue trigger hands over) verifies too.
    expect(verifyCommand(signed.message, appKeys, now, SKEW).ok).toBe(true);
  });

  it('flipping any byte of the queue text or of the payload makes it rejected', () => {
    const signed = signCommand(command(), app.privateKey, app.keyId);
    const json = Buffer.from(JSON.stringify(signed.message));
    const payload = Buffer.from(signed.message.payload, 'base64');
    fc.assert(
      fc.property(fc.nat(json.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bytes = Buffer.from(json);
        bytes[i] = bytes[i]! ^ x;
        return !verifyCommand(bytes.toString('base64'), appKeys, now, SKEW).ok;
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.nat(payload.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bytes = Buffer.from(payload);
        bytes[i] = bytes[i]! ^ x;
        const r = verifyCommand({ ...signed.message, payload: bytes.toString('base64') }, appKeys, now, SKEW);
        return !r.ok && r.reason === 'badSignature' && r.trusted === undefined;
      }),
      { numRuns: 400 },
    );
  });

  it('refuses unsigned, forged, unknown-key, expired and not-yet-valid commands', () => {
    const signed = signCommand(command(), app.privateKey, app.keyId);
    const forged = signCommand(command(), other.privateKey, app.keyId);
    const reason = (m: unknown, at = now) => {
      const r = verifyCommand(m, appKeys, at, SKEW);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason({ ...signed.message, sig: undefined })).toBe('malformed');
    expect(reason(Buffer.from(signed.message.payload, 'base64').toString('utf8'))).toBe('malformed');
    expect(reason(forged.message)).toBe('badSignature');
    expect(reason(signCommand(command(), other.privateKey, other.keyId).message)).toBe('unknownKey');
    expect(reason(signed.message, new Date('2026-03-01T12:15:01.000Z'))).toBe('expired');
    expect(reason(signed.message, new Date('2026-03-01T12:14:30.000Z'))).toBe('ok'); // within skew
    expect(reason(signed.message, new Date('2026-03-01T11:57:30.000Z'))).toBe('notYetValid');
    const tooLarge = 'A'.repeat(MAX_QUEUE_MESSAGE_BYTES + 1);
    expect(reason(tooLarge)).toBe('tooLarge');
  });

  it('reports a trusted id for signed but invalid commands only', () => {
    // Sign raw bytes the way a compromised or buggy signer would, bypassing signCommand's checks.
    const raw = (obj: unknown) => {
      const payload = Buffer.from(canonicalJson(obj));
      return {
        v: 1,
        keyId: app.keyId,
        payload: payload.toString('base64'),
        sig: sign(null, payload, app.privateKey).toString('base64'),
      };
    };
    const base = { ...command(), v: 1, keyId: app.keyId };
    const unknownType = verifyCommand(raw({ ...base, type: 'hyperv.commitFailover' }), appKeys, now, SKEW);
    expect(unknownType).toMatchObject({
      ok: false,
      reason: 'unknownType',
      trusted: { commandId: base.commandId, instanceId: 'restore-abc' },
    });
    const badParams = verifyCommand(raw({ ...base, params: { vm: 'x; Remove-VM *' } }), appKeys, now, SKEW);
    expect(badParams).toMatchObject({
      ok: false,
      reason: 'badParams',
      trusted: { type: 'hyperv.initiateFailback' },
    });
    const extraKey = verifyCommand(raw({ ...base, extra: true }), appKeys, now, SKEW);
    expect(extraKey).toMatchObject({ ok: false, reason: 'malformed' });
    const keyMismatch = verifyCommand(raw({ ...base, keyId: 'other' }), appKeys, now, SKEW);
    expect(keyMismatch).toMatchObject({ ok: false, reason: 'malformed' });
    const tooLong = verifyCommand(
      raw({ ...base, expiresAt: '2026-03-03T12:00:00.000Z' }),
      appKeys,
      now,
      SKEW,
    );
    expect(tooLong).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('accepts either of two keys during a rotation', () => {
    const both = new Map([...appKeys, [other.keyId, other.publicKey]]);
    expect(verifyCommand(signCommand(command(), app.privateKey, app.keyId).text, both, now, SKEW).ok).toBe(
      true,
    );
    expect(
      verifyCommand(signCommand(command(), other.privateKey, other.keyId).text, both, now, SKEW).ok,
    ).toBe(true);
  });

  it('refuses to sign invalid or oversized commands', () => {
    expect(() =>
      signCommand(command({ params: { vm: 'SQL01', extra: 1 } }), app.privateKey, app.keyId),
    ).toThrow(/params/);
    expect(() => signCommand(command({ type: 'hyperv.commitFailover' }), app.privateKey, app.keyId)).toThrow(
      /not a known command type/,
    );
    expect(() =>
      signCommand(command({ expiresAt: '2026-03-01T11:00:00.000Z' }), app.privateKey, app.keyId),
    ).toThrow(/expiresAt/);
  });

  it('loads keys from PEM and raw base64', () => {
    const raw = publicKeyToBase64(app.publicKey);
    const seed = app.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16).toString('base64');
    const signed = signCommand(command(), loadPrivateKey(seed), app.keyId);
    expect(verifyCommand(signed.text, new Map([[app.keyId, loadPublicKey(raw)]]), now, SKEW).ok).toBe(true);
    expect(
      verifyCommand(signed.text, new Map([[app.keyId, loadPublicKey(app.publicKeyPem)]]), now, SKEW).ok,
    ).toBe(true);
    expect(() => loadPublicKey('not a key')).toThrow(TypeError);
  });
});

describe('signResult / verifyResult', () => {
  const signed = signCommand(command(), app.privateKey, app.keyId);
  const binding = {
    commandId: signed.command.commandId,
    instanceId: signed.command.instanceId,
    commandHash: signed.commandHash,
    site: 'dc1',
  };
  const result = {
    ...binding,
    agentId: 'agent-dc1',
    type: 'hyperv.initiateFailback' as const,
    outcome: 'succeeded' as const,
    output: {
      returnCode: 4096,
      meaning: 'Method Parameters Checked - Job Started',
      jobId: '0b8a4a3e-5f7e-4c1e-9a53-6f1f0c2d9e12',
    },
    timings: { receivedAt: '2026-03-01T12:00:00.000Z', finishedAt: '2026-03-01T12:00:01.000Z' },
  };

  it('round-trips and checks the binding', () => {
    const r = signResult(result, agent.privateKey, agent.keyId);
    expect(verifyResult(r.text, agentKeys, binding)).toMatchObject({
      ok: true,
      result: { outcome: 'succeeded', output: { returnCode: 4096 } },
    });
    expect(verifyResult(r.text, agentKeys, { ...binding, commandHash: '0'.repeat(64) })).toMatchObject({
      ok: false,
      reason: 'notBound',
    });
    expect(
      verifyResult(r.text, agentKeys, { ...binding, commandId: '0b8a4a3e-5f7e-4c1e-9a53-6f1f0c2d9e13' }),
    ).toMatchObject({ ok: false, reason: 'notBound' });
    expect(verifyResult(r.text, agentKeys, { ...binding, site: 'dc2' })).toMatchObject({
      ok: false,
      reason: 'notBound',
    });
  });

  it('refuses results signed by another agent, by the app key, or unsigned', () => {
    expect(
      verifyResult(signResult(result, other.privateKey, agent.keyId).text, agentKeys, binding),
    ).toMatchObject({ ok: false, reason: 'badSignature' });
    expect(
      verifyResult(signResult(result, app.privateKey, app.keyId).text, agentKeys, binding),
    ).toMatchObject({ ok: false, reason: 'unknownKey' });
    const r = signResult(result, agent.privateKey, agent.keyId);
    expect(verifyResult({ ...r.message, sig: '' }, agentKeys, binding)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('validates the typed output and error rules', () => {
    expect(() =>
      signResult(
        { ...result, output: { returnCode: 'x', meaning: '' } } as never,
        agent.privateKey,
        agent.keyId,
      ),
    ).toThrow(/invalid result/);
    expect(() =>
      signResult({ ...result, outcome: 'failed', output: null } as never, agent.privateKey, agent.keyId),
    ).toThrow(/error/);
    const rejected = signResult(
      {
        ...binding,
        agentId: 'a',
        outcome: 'rejected',
        output: null,
        error: { code: 'expired', message: 'late' },
        timings: result.timings,
      },
      agent.privateKey,
      agent.keyId,
    );
    expect(verifyResult(rejected.text, agentKeys, binding)).toMatchObject({
      ok: true,
      result: { outcome: 'rejected' },
    });
    const status = signResult(
      {
        ...result,
        type: 'lync.backupStatus',
        output: {
          poolFqdn: 'pool2.contoso.com',
          module: 'ConfServices.DataConf',
          exportStatus: 'Steady State',
          importStatus: 'NormalState',
          state: 'done',
        },
      } as never,
      agent.privateKey,
      agent.keyId,
    );
    expect(status.result.output).toMatchObject({ exportStatus: 'SteadyState' });
  });

  it('decodes base64 queue text, JSON text and parsed objects alike', () => {
    const r = signResult(result, agent.privateKey, agent.keyId);
    for (const form of [r.text, JSON.stringify(r.message), r.message])
      expect(decodeSignedMessage(form).ok).toBe(true);
  });
});
