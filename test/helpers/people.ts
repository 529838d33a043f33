import type { LocalHost } from '../../local/host/host';
import type { TestHost } from '../../local/host/testing';
import { LOCAL_PEOPLE, type LocalPersonName } from '../../local/host/signIn';

/**
 * Signing in on the local stack (local/host/signIn.ts): `as(world, 'olivia')` are the headers of
 * a request by olivia (an operator), `as(world, 'alex')` by alex (an approver). The test host
 * signs requests in as `lead` (every role) when they name nobody.
 */
export function as(
  target: { host: TestHost } | TestHost | LocalHost,
  person: LocalPersonName,
): Record<string, string> {
  const host: TestHost | LocalHost = 'as' in target ? target : 'host' in target ? target.host : target;
  return 'as' in host ? host.as(person) : host.signIn.headersFor(person);
}

/** The object id and display name a person's runs and decisions record. */
export const person = (name: LocalPersonName) => LOCAL_PEOPLE[name];
