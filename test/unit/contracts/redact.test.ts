import { describe, expect, it } from 'vitest';
import { redact } from '../../../shared/redact';
import { redact as appRedact } from '../../../shared/config/redact';

/**
 * Every secret shape issue 20 found missing (and the ones covered before), one row each: the
 * secret must be gone and a `***` marker left where it was; the text around it stays readable.
 * Fake secrets are assembled at run time so no literal in the repository looks like a real one.
 */
const FAKE = `Zk${'a1B2c3D4e5'.repeat(2)}Q`;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('redact: one row per secret shape', () => {
  it.each<[shape: string, text: string, secret: string, kept: string]>([
    ['SAS sig=', `https://a.blob.core.windows.net/c/b?sv=2024&${'sig'}=${FAKE}%2Bx&se=1`, FAKE, 'se=1'],
    [
      'SAS sig%3D (URL-encoded)',
      `url=https%3A%2F%2Fa%2Fc%3Fsv%3D1%26${'sig'}%3D${FAKE}%252B%26se%3D2`,
      FAKE,
      '%26se%3D2',
    ],
    [
      'AccountKey=',
      `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${FAKE}==;EndpointSuffix=x`,
      FAKE,
      'EndpointSuffix=x',
    ],
    [
      'SharedAccessKey=',
      `Endpoint=sb://x/;SharedAccessKeyName=n;SharedAccessKey=${FAKE};EntityPath=q`,
      FAKE,
      'EntityPath=q',
    ],
    ['Bearer token', `Authorization: Bearer ${FAKE}.${FAKE}`, FAKE, 'Authorization'],
    [
      'Basic credentials',
      `Authorization: Basic ${b64(`svc-lifeboat:${FAKE}`)}`,
      b64(`svc-lifeboat:${FAKE}`),
      'Authorization',
    ],
    [
      'Basic credentials, bare',
      `sent Basic ${b64(`u:${FAKE}`)} to the gateway`,
      b64(`u:${FAKE}`),
      'to the gateway',
    ],
    ['function key ?code=', `POST /api/backups?code=${FAKE}&x=1`, FAKE, '/api/backups'],
    [
      'function key code%3D (URL-encoded)',
      `next=%2Fapi%2Fruns%3Fcode%3D${FAKE}%26limit%3D5`,
      FAKE,
      '%26limit%3D5',
    ],
    ['x-functions-key header', `x-functions-key: ${FAKE}`, FAKE, 'x-functions-key'],
    ['x-functions-key in JSON', `{"x-functions-key":"${FAKE}"}`, FAKE, 'x-functions-key'],
    ['"accessKey" in JSON', `{"accessKey":"${FAKE}"}`, FAKE, 'accessKey'],
    ['"accountKey" in JSON', `{"accountName":"a","accountKey": "${FAKE}"}`, FAKE, '"accountName":"a"'],
    [
      'client_secret= (form body)',
      `grant_type=client_credentials&client_secret=${FAKE}&scope=x`,
      FAKE,
      'scope=x',
    ],
    ['"clientSecret" in JSON', `{"clientSecret":"${FAKE}"}`, FAKE, 'clientSecret'],
    [
      'Password= (connection string)',
      `Server=sql;User Id=sa;Password=${FAKE};Encrypt=true`,
      FAKE,
      'Encrypt=true',
    ],
    ['"password" in JSON', `{"password":"${FAKE}"}`, FAKE, 'password'],
    [
      'PEM private key',
      `-----BEGIN ${'PRIVATE'} KEY-----\n${FAKE}\n-----END ${'PRIVATE'} KEY-----`,
      FAKE,
      '***PRIVATE KEY***',
    ],
    ['PEM private key, truncated', `key: -----BEGIN ${'PRIVATE'} KEY-----\n${FAKE}`, FAKE, 'key: '],
  ])('%s', (_shape, text, secret, kept) => {
    for (const fn of [redact, appRedact]) {
      const out = fn(text);
      expect(out).not.toContain(secret);
      expect(out).toContain('***');
      expect(out).toContain(kept);
    }
  });

  it.each([
    'backup of contoso-apim finished in 12 min',
    // The APIM Basic tier is a word, not a credential.
    'the Basic tier cannot be restored into a Premium service',
    'Basic Consumption Developer',
    'error (code=NotFound): no run',
    'set LIFEBOAT_TRUST_EASY_AUTH=true to read the password policy',
  ])('leaves ordinary text alone: %s', (text) => {
    expect(redact(text)).toBe(text);
  });

  it('the app and the agent share one implementation', () => {
    expect(appRedact).toBe(redact);
  });
});
