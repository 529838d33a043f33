import { randomBytes } from 'node:crypto';

/**
 * The local host's stand-in for App Service Authentication (trust-and-traffic.md, "Who is
 * calling"). Like the platform, it removes every `X-MS-CLIENT-PRINCIPAL*` header an outside
 * request sends, and sets them for a request that carries a valid sign-in: here a local
 * development token (`Authorization: Bearer <token>`) of one of a few local people, generated per
 * start and printed by `npm start`. The principal has the shape App Service injects (base64 JSON
 * `{ auth_typ, name_typ, role_typ, claims }` with the Entra object id and `roles` claims), so the
 * app reads it with the same code as in Azure.
 */

/** A person of the local stack. */
export interface LocalPerson {
  /** The Entra object id they would have (fixed, so reports and tests can name them). */
  readonly objectId: string;
  readonly name: string;
  readonly roles: readonly string[];
  /** What they do in the README's flows. */
  readonly does: string;
}

/** The local people: an operator who requests, an approver, a reader, and a lead holding every role. */
export const LOCAL_PEOPLE = {
  olivia: {
    objectId: '0b1e0000-0000-4000-8000-00000000000a',
    name: 'olivia@lifeboat.local',
    roles: ['Lifeboat.Operator', 'Lifeboat.Reader'],
    does: 'operator: starts drills, backups and drill restores, requests failovers',
  },
  alex: {
    objectId: '0b1e0000-0000-4000-8000-00000000000b',
    name: 'alex@lifeboat.local',
    roles: ['Lifeboat.Approver', 'Lifeboat.Reader'],
    does: 'approver: approves, rejects and cancels failovers, restores over the standby',
  },
  rita: {
    objectId: '0b1e0000-0000-4000-8000-00000000000c',
    name: 'rita@lifeboat.local',
    roles: ['Lifeboat.Reader'],
    does: 'reader: status, runs and reports',
  },
  lead: {
    objectId: '0b1e0000-0000-4000-8000-00000000000d',
    name: 'lead@lifeboat.local',
    roles: ['Lifeboat.Operator', 'Lifeboat.Approver', 'Lifeboat.Reader'],
    does: 'on-call lead: every role (what test hosts sign in as by default)',
  },
} as const satisfies Record<string, LocalPerson>;
export type LocalPersonName = keyof typeof LOCAL_PEOPLE;

/** The sign-in of one running host: each person's development token. */
export interface LocalSignIn {
  /** The token to send as `Authorization: Bearer <token>`. */
  tokenOf(person: LocalPersonName): string;
  /** Headers signing a request in as `person`. */
  headersFor(person: LocalPersonName): Record<string, string>;
  /** Who a token belongs to, if anyone. */
  personOf(token: string): LocalPersonName | undefined;
}

/** Tokens per person: random unless given (tests may fix them). */
export function createLocalSignIn(tokens: Partial<Record<LocalPersonName, string>> = {}): LocalSignIn {
  const byPerson = new Map<LocalPersonName, string>();
  for (const person of Object.keys(LOCAL_PEOPLE) as LocalPersonName[])
    byPerson.set(
      person,
      tokens[person] ?? `lifeboat-local-${person}-${randomBytes(18).toString('base64url')}`,
    );
  const byToken = new Map([...byPerson].map(([p, t]) => [t, p]));
  return {
    tokenOf: (person) => byPerson.get(person)!,
    headersFor: (person) => ({ authorization: `Bearer ${byPerson.get(person)!}` }),
    personOf: (token) => byToken.get(token),
  };
}

/** The `X-MS-CLIENT-PRINCIPAL` value App Service would send for `person` (Entra ID). */
export function clientPrincipalHeader(person: LocalPerson): string {
  const principal = {
    auth_typ: 'aad',
    name_typ: 'name',
    role_typ: 'roles',
    claims: [
      { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: person.objectId },
      { typ: 'name', val: person.name },
      { typ: 'preferred_username', val: person.name },
      ...person.roles.map((r) => ({ typ: 'roles', val: r })),
    ],
  };
  return Buffer.from(JSON.stringify(principal), 'utf8').toString('base64');
}

/**
 * The headers the app sees for an incoming request: every `x-ms-client-principal*` header the
 * caller sent removed; the principal headers set when `Authorization: Bearer` carries a local
 * token (the token itself is not passed on, as it means nothing to the app).
 */
export function applySignIn(
  headers: Readonly<Record<string, string>>,
  signIn: LocalSignIn,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (!k.toLowerCase().startsWith('x-ms-client-principal')) out[k] = v;
  const auth = Object.entries(out).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  const bearer = auth === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
  const name = bearer === undefined ? undefined : signIn.personOf(bearer);
  if (name === undefined) return out;
  for (const k of Object.keys(out)) if (k.toLowerCase() === 'authorization') delete out[k];
  const person = LOCAL_PEOPLE[name];
  out['x-ms-client-principal'] = clientPrincipalHeader(person);
  out['x-ms-client-principal-id'] = person.objectId;
  out['x-ms-client-principal-name'] = person.name;
  out['x-ms-client-principal-idp'] = 'aad';
  return out;
}

/** `curl` lines a person can paste to act as each local person (printed by `npm start`). */
export function signInLines(origin: string, signIn: LocalSignIn): string[] {
  const names = Object.keys(LOCAL_PEOPLE) as LocalPersonName[];
  const variable = (p: LocalPersonName) => p.toUpperCase();
  const curl = (p: LocalPersonName) => `curl -sH "Authorization: Bearer $${variable(p)}"`;
  return [
    `Sign in as a local person (the local host plays App Service Authentication; tokens change every start):`,
    ...names.map((p) => `  ${p.padEnd(7)} ${LOCAL_PEOPLE[p].does}`),
    `Paste into your shell (the README's flows use these variables):`,
    `  export LIFEBOAT=${origin} ${names.map((p) => `${variable(p)}=${signIn.tokenOf(p)}`).join(' ')}`,
    `  # olivia, an operator, requests a failover of the sample plan:`,
    `  ${curl('olivia')} -H "content-type: application/json" -d '{"plan":"contoso-dr","reason":"primary region down"}' $LIFEBOAT/api/failovers`,
    `  # alex, an approver, approves it (use the runId from the answer):`,
    `  ${curl('alex')} -X POST $LIFEBOAT/api/failovers/<runId>/approve`,
    `  # olivia runs a drill; anyone signed in with Lifeboat.Reader reads the status:`,
    `  ${curl('olivia')} -H "content-type: application/json" -d '{"plan":"contoso-dr"}' $LIFEBOAT/api/drills`,
    `  ${curl('rita')} $LIFEBOAT/api/status`,
  ];
}
