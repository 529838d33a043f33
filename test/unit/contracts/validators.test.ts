import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  commandParamSchemas,
  fqdnSchema,
  guidSchema,
  sipAddressSchema,
  vmRefSchema,
  displayNameSchema,
  siteSchema,
} from '../../../shared/contracts';

const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('');
const alnum = fc.constantFrom(...letters);
const labelArb = fc.oneof(
  alnum,
  fc
    .tuple(alnum, fc.array(fc.constantFrom(...letters, '-'), { maxLength: 61 }), alnum)
    .map(([a, mid, z]) => a + mid.join('') + z),
);
const fqdnArb = fc
  .array(labelArb, { minLength: 2, maxLength: 5 })
  .map((ls) => ls.join('.'))
  .filter((f) => f.length <= 253);
const localArb = fc
  .tuple(alnum, fc.array(fc.constantFrom(...letters, '.', '_', '-'), { maxLength: 20 }))
  .map(([a, rest]) => a + rest.join(''));

/** Fragments that must never survive into a command line. */
const dangerous = [
  '"',
  "'",
  ';',
  '`',
  '$(',
  '$',
  '|',
  '&',
  '\n',
  '\r',
  '\0',
  '<',
  '>',
  '(',
  ')',
  '{',
  '}',
  '*',
  '?',
  '[',
  ']',
  '\\',
  '/',
  ',',
  '%',
  '#',
  '!',
  '=',
  '+',
  '~',
  '@',
  '\u0430', // Cyrillic a
  '\u0435', // Cyrillic e
  '\uff0e', // fullwidth full stop
  '\u2010', // hyphen
  '\u200b', // zero-width space
  '\u00a0', // no-break space
  '\t',
];
const dangerArb = fc.constantFrom(...dangerous);

/** Inserts a dangerous fragment anywhere in a valid value. */
function poisoned(
  valid: fc.Arbitrary<string>,
  keep: (d: string) => boolean = () => true,
): fc.Arbitrary<string> {
  return fc.tuple(valid, dangerArb.filter(keep), fc.nat()).map(([v, d, at]) => {
    const i = at % (v.length + 1);
    return v.slice(0, i) + d + v.slice(i);
  });
}

describe('FQDN rule', () => {
  it('accepts valid FQDNs', () => {
    fc.assert(fc.property(fqdnArb, (f) => fqdnSchema.safeParse(f).success));
    expect(fqdnSchema.safeParse('pool2.contoso.com').success).toBe(true);
    expect(fqdnSchema.safeParse('a-1.b2.c').success).toBe(true);
  });
  it('rejects adversarial strings', () => {
    fc.assert(fc.property(poisoned(fqdnArb), (f) => !fqdnSchema.safeParse(f).success));
  });
  it('rejects over-long labels and names, bare hosts, edge hyphens, empty labels, trailing dots', () => {
    for (const bad of [
      'a'.repeat(64) + '.com',
      `${'a'.repeat(60)}.`.repeat(5) + 'com',
      'pool',
      '-pool.contoso.com',
      'pool-.contoso.com',
      'pool..contoso.com',
      'pool.contoso.com.',
      '',
      ' pool.contoso.com',
      'pool.contoso.com\n',
    ]) {
      expect(fqdnSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(fqdnSchema.safeParse(`${'a'.repeat(63)}.com`).success).toBe(true);
  });
});

describe('SIP address rule', () => {
  const sipArb = fc
    .tuple(localArb, fqdnArb)
    .map(([l, f]) => `sip:${l}@${f}`)
    .filter((s) => s.length <= 4 + 64 + 1 + 253);
  it('accepts sip:local@fqdn', () => {
    fc.assert(fc.property(sipArb, (s) => sipAddressSchema.safeParse(s).success));
  });
  it('rejects adversarial strings', () => {
    fc.assert(
      fc.property(
        poisoned(sipArb, (d) => d !== '@'),
        (s) => !sipAddressSchema.safeParse(s).success,
      ),
    );
  });
  it('rejects ports, passwords, parameters, headers, other schemes', () => {
    for (const bad of [
      'sip:chat@contoso.com:5061',
      'sip:chat:pw@contoso.com',
      'sip:chat@contoso.com;transport=tls',
      'sip:chat@contoso.com?subject=x',
      'sips:chat@contoso.com',
      'SIP:chat@contoso.com',
      'chat@contoso.com',
      'sip:@contoso.com',
      'sip:a@b@contoso.com',
      'sip:.chat@contoso.com',
    ]) {
      expect(sipAddressSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe('GUID and VM name rules', () => {
  it('accepts GUIDs and safe names', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        (g) => guidSchema.safeParse(g).success && vmRefSchema.safeParse(g.toUpperCase()).success,
      ),
    );
    for (const ok of ['SQL01', 'web 01', 'app_server.prod-2', 'a'])
      expect(vmRefSchema.safeParse(ok).success, ok).toBe(true);
  });
  it('rejects adversarial names', () => {
    const nameArb = fc
      .tuple(alnum, fc.array(fc.constantFrom(...letters, ' ', '.', '_', '-'), { maxLength: 40 }), alnum)
      .map(([a, m, z]) => a + m.join('') + z);
    fc.assert(
      fc.property(
        poisoned(nameArb),
        (n) => !vmRefSchema.safeParse(n).success && !displayNameSchema.safeParse(n).success,
      ),
    );
    for (const bad of [
      '-Force',
      ' vm',
      'vm ',
      'vm*',
      "vm'; Remove-VM *",
      'a'.repeat(65),
      '{7d1b4a6e-0000-0000-0000-000000000000}',
    ]) {
      expect(vmRefSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
  it('sites are queue-name safe', () => {
    for (const ok of ['dc1', 'paris-2']) expect(siteSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['DC1', 'a--b', '-a', 'a-', 'a'.repeat(41), ''])
      expect(siteSchema.safeParse(bad).success, bad).toBe(false);
  });
});

describe('parameter schemas', () => {
  it('refuse extra keys and apply the documented default module', () => {
    const pair = { poolFqdn: 'pool2.contoso.com', lostPoolFqdn: 'pool1.contoso.com' };
    expect(commandParamSchemas['lync.backupSync'].parse(pair)).toEqual({
      ...pair,
      module: 'ConfServices.DataConf',
    });
    expect(commandParamSchemas['lync.backupSync'].safeParse({ ...pair, extra: 1 }).success).toBe(false);
    // Issue 22 item 1: the pool that lost the data is named, and is never the pool synced.
    expect(commandParamSchemas['lync.backupSync'].safeParse({ poolFqdn: 'pool2.contoso.com' }).success).toBe(
      false,
    );
    const same = commandParamSchemas['lync.backupSync'].safeParse({
      poolFqdn: 'pool2.contoso.com',
      lostPoolFqdn: 'POOL2.contoso.com',
    });
    expect(same.success).toBe(false);
    expect(same.error?.issues[0]?.path).toEqual(['lostPoolFqdn']);
    expect(same.error?.issues[0]?.message).toMatch(/never on the pool that lost it/);
    expect(
      commandParamSchemas['lync.backupSync'].safeParse({
        ...pair,
        module: 'ConfServices.Other',
      }).success,
    ).toBe(false);
    expect(commandParamSchemas['agent.ping'].safeParse({ x: 1 }).success).toBe(false);
    expect(
      commandParamSchemas['hyperv.initiateFailback'].safeParse({ vm: 'SQL01', recoveryPointId: 'latest' })
        .success,
    ).toBe(false);
    expect(
      commandParamSchemas['hyperv.initiateFailback'].safeParse({
        vm: 'SQL01',
        recoveryPointId: 'Microsoft:7D1B4A6E-1111-2222-3333-444455556666',
      }).success,
    ).toBe(true);
  });
  it('every string parameter of every type refuses adversarial text', () => {
    const samples: Record<string, Record<string, string>> = {
      'lync.backupSync': { poolFqdn: 'pool2.contoso.com', lostPoolFqdn: 'pool1.contoso.com' },
      'lync.backupRelationship': { poolFqdn: 'pool2.contoso.com' },
      'lync.backupStatus': { poolFqdn: 'pool2.contoso.com' },
      'hyperv.initiateFailback': { vm: 'SQL01', recoveryPointId: '7d1b4a6e-1111-2222-3333-444455556666' },
      'hyperv.jobStatus': { jobId: '7d1b4a6e-1111-2222-3333-444455556666' },
      'hyperv.replicationState': { vm: 'SQL01' },
      'hyperv.startTestFailover': { vm: 'SQL01' },
      'hyperv.stopTestFailover': { vm: 'SQL01' },
      'pchat.ensureLegacyEndpoint': {
        sipAddress: 'sip:chat@contoso.com',
        poolFqdn: 'pc.contoso.com',
        displayName: 'Legacy chat',
      },
      'pchat.getLegacyEndpoint': { sipAddress: 'sip:chat@contoso.com' },
    };
    const entries = Object.entries(samples).flatMap(([type, params]) =>
      Object.keys(params).map((field) => ({ type, params, field })),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...entries),
        dangerArb.filter((d) => d !== '@' && d !== ' '),
        fc.nat(),
        ({ type, params, field }, d, at) => {
          const v = params[field]!;
          const i = at % (v.length + 1);
          const schema = commandParamSchemas[type as keyof typeof commandParamSchemas];
          expect(schema.safeParse(params).success).toBe(true);
          return !schema.safeParse({ ...params, [field]: v.slice(0, i) + d + v.slice(i) }).success;
        },
      ),
      { numRuns: 500 },
    );
  });
});
