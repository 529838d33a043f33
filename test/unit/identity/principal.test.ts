import { describe, expect, it } from 'vitest';
import {
  identitySource,
  principalFromClaims,
  principalFromHeader,
  requireRole,
  ROLES,
} from '../../../shared/identity/principal';
import {
  applySignIn,
  clientPrincipalHeader,
  createLocalSignIn,
  LOCAL_PEOPLE,
} from '../../../local/host/signIn';

const OID = '6f1d0c3e-4b5a-4c2d-9e8f-0a1b2c3d4e5f';
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const statusOf = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return { status: (error as { status?: number }).status, code: (error as { code?: string }).code };
  }
};

describe('principalFromHeader', () => {
  it('reads the object id, the name and the roles App Service injects for Entra ID', () => {
    const header = encode({
      auth_typ: 'aad',
      name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
      role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
      claims: [
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: OID.toUpperCase() },
        { typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name', val: 'Olivia Operator' },
        { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: ROLES.operator },
        { typ: 'roles', val: ROLES.reader },
      ],
    });
    expect(principalFromHeader(header)).toEqual({
      objectId: OID,
      name: 'Olivia Operator',
      roles: [ROLES.operator, ROLES.reader],
    });
  });

  it('takes `oid`, and the principal-name header for display when no name claim is there', () => {
    const header = encode({ claims: [{ typ: 'oid', val: OID }] });
    expect(principalFromHeader(header, 'olivia@contoso.com')).toEqual({
      objectId: OID,
      name: 'olivia@contoso.com',
      roles: [],
    });
  });

  it('refuses with 401 a missing, unreadable or id-less principal', () => {
    expect(statusOf(() => principalFromHeader(null))).toEqual({ status: 401, code: 'Unauthenticated' });
    expect(statusOf(() => principalFromHeader('not base64 json'))).toEqual({
      status: 401,
      code: 'Unauthenticated',
    });
    expect(statusOf(() => principalFromHeader(encode({ claims: 'x' })))).toMatchObject({ status: 401 });
    expect(statusOf(() => principalFromClaims({ claims: [{ typ: 'name', val: 'alice' }] }))).toMatchObject({
      status: 401,
    });
    expect(statusOf(() => principalFromClaims({ claims: [{ typ: 'oid', val: 'alice' }] }))).toMatchObject({
      status: 401,
    });
  });
});

describe('requireRole', () => {
  const olivia = { objectId: OID, name: 'olivia', roles: [ROLES.operator, ROLES.reader] };
  it('passes a caller holding the role (or one of them); 403 naming the role otherwise', () => {
    expect(() => requireRole(olivia, ROLES.operator)).not.toThrow();
    expect(() => requireRole(olivia, [ROLES.approver, ROLES.operator])).not.toThrow();
    expect(statusOf(() => requireRole(olivia, ROLES.approver))).toEqual({ status: 403, code: 'Forbidden' });
    expect(() => requireRole(olivia, ROLES.approver)).toThrow(/Lifeboat\.Approver/);
  });
});

describe('identitySource', () => {
  it('trusts the principal headers with App Service Authentication on, or on the local stack only', () => {
    expect(identitySource({ WEBSITE_AUTH_ENABLED: 'True' })).toBe('platform');
    expect(identitySource({ LIFEBOAT_LOCAL_MODE: 'true' })).toBe('local');
    expect(() => identitySource({})).toThrow(/WEBSITE_AUTH_ENABLED.*LIFEBOAT_LOCAL_MODE/s);
    expect(() => identitySource({ LIFEBOAT_LOCAL_MODE: 'false' })).toThrow(/WEBSITE_AUTH_ENABLED/);
    // Inside App Service the local mode is refused: there, only the platform vouches for callers.
    expect(() => identitySource({ LIFEBOAT_LOCAL_MODE: 'true', WEBSITE_INSTANCE_ID: 'abc' })).toThrow(
      /LIFEBOAT_LOCAL_MODE: must not be set in App Service/,
    );
    expect(statusOf(() => identitySource({}))).toMatchObject({ code: 'InvalidConfiguration' });
  });
});

describe('the local host sign-in', () => {
  const signIn = createLocalSignIn({ olivia: 'olivia-token', alex: 'alex-token' });

  it('strips every principal header an outside request sends', () => {
    const out = applySignIn(
      {
        'X-MS-CLIENT-PRINCIPAL': clientPrincipalHeader(LOCAL_PEOPLE.alex),
        'x-ms-client-principal-name': 'alex',
        'x-ms-client-principal-id': LOCAL_PEOPLE.alex.objectId,
        'content-type': 'application/json',
      },
      signIn,
    );
    expect(out).toEqual({ 'content-type': 'application/json' });
  });

  it("sets the principal of the token's person, over anything forged, in the shape the app reads", () => {
    const out = applySignIn(
      {
        authorization: 'Bearer olivia-token',
        'x-ms-client-principal': clientPrincipalHeader(LOCAL_PEOPLE.alex),
      },
      signIn,
    );
    expect(out['authorization']).toBeUndefined();
    expect(out['x-ms-client-principal-id']).toBe(LOCAL_PEOPLE.olivia.objectId);
    expect(principalFromHeader(out['x-ms-client-principal'])).toEqual({
      objectId: LOCAL_PEOPLE.olivia.objectId,
      name: LOCAL_PEOPLE.olivia.name,
      roles: [ROLES.operator, ROLES.reader],
    });
  });

  it('an unknown token signs nobody in; tokens are random unless fixed', () => {
    expect(applySignIn({ authorization: 'Bearer guess' }, signIn)).toEqual({ authorization: 'Bearer guess' });
    const a = createLocalSignIn();
    const b = createLocalSignIn();
    expect(a.tokenOf('alex')).not.toBe(b.tokenOf('alex'));
    expect(a.tokenOf('alex').length).toBeGreaterThan(30);
  });
});
