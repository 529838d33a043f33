import { describe, expect, it } from 'vitest';
import { redact } from '../../../shared/config/redact';

describe('redact', () => {
  it.each([
    // Fake secrets, assembled at run time so no literal in the repository looks like a real one.
    [
      `https://acct.blob.core.windows.net/c/b?sv=2024&${'sig'}=${'AbCdEf'.repeat(3)}%2Bxyz&se=1`,
      'AbCdEf'.repeat(3),
    ],
    [
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5dmFsdWU=;EndpointSuffix=x',
      'c2VjcmV0a2V5dmFsdWU=',
    ],
    ['Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'eyJhbGciOiJSUzI1NiJ9'],
    ['POST /api/backups?code=functionKeyValue123', 'functionKeyValue123'],
    ['{"accessKey":"topsecret"}', 'topsecret'],
    [
      `-----BEGIN ${'PRIVATE'} KEY-----\nMC4CAQAwBQYDK2VwBCIEIA\n-----END ${'PRIVATE'} KEY-----`,
      'MC4CAQAwBQYDK2VwBCIEIA',
    ],
  ])('removes the secret from %s', (text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
  });

  it('leaves ordinary text alone', () => {
    expect(redact('backup of contoso-apim finished in 12 min')).toBe(
      'backup of contoso-apim finished in 12 min',
    );
  });
});
