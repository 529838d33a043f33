import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context';
import { alertsManagementAlert } from './resources/alertsManagement/alerts';
import { apimBackupRestore } from './resources/apim/backupRestore';
import { apimLists } from './resources/apim/lists';
import { apimOperationResults } from './resources/apim/operationResults';
import { apimReports } from './resources/apim/reports';
import { apimService } from './resources/apim/service';
import { cdnEndpointList, cdnRouteList } from './resources/cdn/endpoints';
import { cdnOperationResult, cdnOriginGet, cdnOriginList, cdnOriginUpdate } from './resources/cdn/origins';
import {
  trafficManagerEndpointGet,
  trafficManagerEndpointUpdate,
  trafficManagerProfile,
} from './resources/network/trafficManager';
import { sendError } from './respond';
import type { ArmPathParams, ArmRoute } from './route';

/**
 * Every ARM operation the emulator serves. A new resource type: write its handler module under
 * ./resources/<provider>/ (one `ArmRoute` per operation, its path built with `armPath`), keep its
 * state in the context (./context.ts), and list its routes here.
 */
export const ROUTES: readonly ArmRoute[] = [
  apimService,
  apimLists,
  apimBackupRestore,
  apimOperationResults,
  apimReports,
  cdnOriginList,
  cdnOriginGet,
  cdnOriginUpdate,
  cdnOperationResult,
  cdnEndpointList,
  cdnRouteList,
  trafficManagerProfile,
  trafficManagerEndpointGet,
  trafficManagerEndpointUpdate,
  alertsManagementAlert,
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Answers one ARM request: bearer token (401), api-version (400), a route for the path (404), a
 * well-formed subscription id (400), the route's method (405), then the route's handler.
 */
export async function routeArmRequest(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  routes: readonly ArmRoute[] = ROUTES,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Bearer ')) {
    sendError(res, {
      status: 401,
      code: 'AuthenticationFailed',
      message: "Authentication failed. The 'Authorization' header is missing.",
    });
    return;
  }
  if (auth.slice('Bearer '.length).trim() !== ctx.token) {
    sendError(res, {
      status: 401,
      code: 'InvalidAuthenticationToken',
      message: 'The access token is invalid.',
    });
    return;
  }
  const apiVersion = url.searchParams.get('api-version');
  if (!apiVersion) {
    sendError(res, {
      status: 400,
      code: 'MissingApiVersionParameter',
      message: 'The api-version query parameter (?api-version=) is required for all requests.',
    });
    return;
  }
  // A path may have one route per method (GET and PATCH of an origin): the route of the request's
  // method wins, else the first route of the path (which answers 405 below).
  let matched: { route: ArmRoute; params: ArmPathParams } | undefined;
  for (const route of routes) {
    const groups = route.pattern.exec(url.pathname)?.groups;
    if (groups === undefined) continue;
    if (matched !== undefined && route.method !== method) continue;
    matched = {
      route,
      params: {
        ...groups,
        subscriptionId: groups['subscriptionId'] ?? '',
        resourceGroup: groups['resourceGroup'] ?? '',
      },
    };
    if (route.method === method) break;
  }
  if (!matched) {
    sendError(res, {
      status: 404,
      code: 'NotFound',
      message: `The emulator does not serve ${method} ${url.pathname}.`,
    });
    return;
  }
  const { route, params } = matched;
  if (!UUID.test(params.subscriptionId)) {
    sendError(res, {
      status: 400,
      code: 'InvalidSubscriptionId',
      message: `The provided subscription identifier '${params.subscriptionId}' is malformed or invalid.`,
    });
    return;
  }
  if (method !== route.method) {
    sendError(res, { status: 405, code: 'MethodNotAllowed', message: route.wrongMethod(method, params) });
    return;
  }
  await route.handle(ctx, { req, res, url, method, apiVersion, params });
}
