import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context';

/** The parts of an ARM path a route names: the subscription and resource group, then its own. */
export interface ArmPathParams {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly [name: string]: string | undefined;
}

/** A request the router accepted: authenticated, with an api-version, on a route's path. */
export interface ArmRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly method: string;
  readonly apiVersion: string;
  /** The named groups of the route's pattern. */
  readonly params: ArmPathParams;
}

/**
 * One operation the emulator serves: a path pattern (built with {@link armPath}), its method, and
 * the handler. The router (./router.ts) checks the bearer token, the api-version, the path, the
 * subscription id and the method, in that order, before the handler runs.
 */
export interface ArmRoute {
  /** For messages and logs. */
  readonly name: string;
  /** Matches the request's path; named groups become {@link ArmRequest.params}. */
  readonly pattern: RegExp;
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  /** The 405 message for any other method. */
  readonly wrongMethod: (method: string, params: ArmPathParams) => string;
  handle(ctx: EmulatorContext, request: ArmRequest): Promise<void>;
}

/**
 * The pattern of a resource path under a resource group: `providerPath` is the part after
 * `/providers/` (a regular expression source, with named groups for its own parts), e.g.
 * `Microsoft\\.ApiManagement/service/(?<service>[^/]+)`. Case-insensitive, as ARM is; a trailing
 * slash is allowed.
 */
export function armPath(providerPath: string): RegExp {
  return new RegExp(
    `^/subscriptions/(?<subscriptionId>[^/]+)/resourceGroups/(?<resourceGroup>[^/]+)/providers/${providerPath}/?$`,
    'i',
  );
}
