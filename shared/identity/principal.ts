import { z } from 'zod';
import { NonRetryableError } from '../errors';

/**
 * Who is calling (issue 20): the principal App Service Authentication injects, never a field of
 * the body. With authentication on, the platform removes any `X-MS-CLIENT-PRINCIPAL*` header an
 * outside request sends and sets them for the signed-in caller (trust-and-traffic.md, "Who is
 * calling"); the local host does the same for its development tokens (local/host/signIn.ts).
 * A person is their Microsoft Entra object id; the name is only for display.
 */

/** The app roles declared on Lifeboat's Entra app registration (docs/identity.md). */
export const ROLES = {
  /** Status, runs, reports, plans, backups, restores, alerts: read only. */
  reader: 'Lifeboat.Reader',
  /** Drills, drill-target restores, backups now, cancelling drills, requesting failovers. */
  operator: 'Lifeboat.Operator',
  /** Approving, rejecting and cancelling failovers; restores over a standby. */
  approver: 'Lifeboat.Approver',
} as const;
export type Role = (typeof ROLES)[keyof typeof ROLES];

/** The caller as Lifeboat knows it. */
export interface Principal {
  /** The Entra object id (`oid`): what the two-person rule compares. */
  readonly objectId: string;
  /** For display only (reports, logs): never compared. */
  readonly name: string;
  readonly roles: readonly string[];
}

const OBJECT_ID_CLAIMS = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'];
const NAME_CLAIMS = [
  'name',
  'preferred_username',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
];

/** `X-MS-CLIENT-PRINCIPAL`, decoded: the claims of the signed-in caller. */
export const clientPrincipalSchema = z.object({
  auth_typ: z.string().max(200).optional(),
  name_typ: z.string().max(200).optional(),
  role_typ: z.string().max(200).optional(),
  claims: z
    .array(z.object({ typ: z.string().max(200), val: z.string().max(4096) }), {
      error: 'must be a list of { typ, val }',
    })
    .max(500, { error: 'must have at most 500 claims' }),
});
export type ClientPrincipal = z.infer<typeof clientPrincipalSchema>;

const objectIdSchema = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
    error: 'must be an Entra object id (a GUID)',
  });

/** A refusal: 401 when nobody is signed in or the principal is unreadable, 403 for a missing role. */
export function identityError(status: 401 | 403, code: string, message: string) {
  return new NonRetryableError(message, { code, status }) as NonRetryableError & { status: number };
}

/** The principal from decoded claims; `fallbackName` is `X-MS-CLIENT-PRINCIPAL-NAME`. */
export function principalFromClaims(data: unknown, fallbackName?: string | null): Principal {
  const parsed = clientPrincipalSchema.safeParse(data);
  if (!parsed.success)
    throw identityError(401, 'Unauthenticated', 'x-ms-client-principal: is not a valid client principal');
  const { claims } = parsed.data;
  const first = (types: readonly string[]) =>
    types.map((t) => claims.find((c) => c.typ === t)?.val).find((v) => v !== undefined && v.trim() !== '');
  const oid = objectIdSchema.safeParse(first(OBJECT_ID_CLAIMS) ?? '');
  if (!oid.success)
    throw identityError(
      401,
      'Unauthenticated',
      'x-ms-client-principal: has no object id claim (oid): sign in with a Microsoft Entra account',
    );
  const roleType = parsed.data.role_typ ?? 'roles';
  const roles = [...new Set(claims.filter((c) => c.typ === roleType || c.typ === 'roles').map((c) => c.val))];
  const nameType = parsed.data.name_typ;
  const name =
    first([...(nameType === undefined ? [] : [nameType]), ...NAME_CLAIMS]) ??
    (fallbackName?.trim() || undefined) ??
    oid.data;
  return { objectId: oid.data.toLowerCase(), name: name.slice(0, 256), roles };
}

/** Decodes the base64 `X-MS-CLIENT-PRINCIPAL` header; 401 when absent or unreadable. */
export function principalFromHeader(
  header: string | null | undefined,
  fallbackName?: string | null,
): Principal {
  if (header === null || header === undefined || header.trim() === '')
    throw identityError(401, 'Unauthenticated', 'sign in first: this route needs a signed-in person');
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as unknown;
  } catch {
    throw identityError(401, 'Unauthenticated', 'x-ms-client-principal: is not base64 JSON');
  }
  return principalFromClaims(data, fallbackName);
}

/** Refuses (403, naming the roles) unless the caller holds one of `roles`. */
export function requireRole(caller: Principal, roles: Role | readonly Role[]): void {
  const any = typeof roles === 'string' ? [roles] : roles;
  if (any.some((r) => caller.roles.includes(r))) return;
  throw identityError(
    403,
    'Forbidden',
    `${caller.name} lacks the app role ${any.join(' or ')} needed here (ask for it to be assigned on the Lifeboat app registration)`,
  );
}

/** Whether the caller holds `role`. */
export function hasRole(caller: Principal, role: Role): boolean {
  return caller.roles.includes(role);
}

/** Where callers come from: the platform's authentication, or the local host's stand-in. */
export type IdentitySource = 'platform' | 'local';

/**
 * Whether the principal headers can be trusted here: App Service Authentication is on (the
 * platform sets `WEBSITE_AUTH_ENABLED=True`), or this is the local stack (`LIFEBOAT_LOCAL_MODE`,
 * refused inside App Service, which sets `WEBSITE_INSTANCE_ID`). Otherwise anyone could send the
 * headers, so operator routes refuse with a configuration error naming the settings.
 */
export function identitySource(env: Readonly<Record<string, string | undefined>>): IdentitySource {
  if ((env['WEBSITE_AUTH_ENABLED'] ?? '').toLowerCase() === 'true') return 'platform';
  const local = (env['LIFEBOAT_LOCAL_MODE'] ?? '').toLowerCase();
  if (local === 'true' || local === '1') {
    if ((env['WEBSITE_INSTANCE_ID'] ?? '') !== '')
      throw new NonRetryableError(
        'LIFEBOAT_LOCAL_MODE: must not be set in App Service (WEBSITE_INSTANCE_ID is set): turn on App Service Authentication instead (infra/modules/auth.bicep)',
        { code: 'InvalidConfiguration' },
      );
    return 'local';
  }
  throw new NonRetryableError(
    'WEBSITE_AUTH_ENABLED: App Service Authentication is off, so anyone could claim to be anyone on the operator routes: turn it on (infra/modules/auth.bicep; App Service then sets WEBSITE_AUTH_ENABLED=True) or, on the local stack only, set LIFEBOAT_LOCAL_MODE=true',
    { code: 'InvalidConfiguration' },
  );
}
