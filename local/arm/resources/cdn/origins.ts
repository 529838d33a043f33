import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../../context';
import { readBody, send, sendError } from '../../respond';
import { armPath, type ArmRequest, type ArmRoute } from '../../route';
import { frontDoorId, profileKey, settle, type EmulatedFrontDoor, type EmulatedOrigin } from '../../traffic';

/**
 * Azure Front Door Standard/Premium origins (issue 23), in the shapes of the REST examples
 * `AFDOrigins_ListByOriginGroup.json`, `AFDOrigins_Get.json` and `AFDOrigins_Update.json`
 * (Azure/azure-rest-api-specs, specification/cdn/resource-manager/Microsoft.Cdn/stable/2024-02-01/examples/):
 * - `GET .../profiles/{p}/originGroups/{g}/origins` → `{ value: [origin] }`;
 * - `GET .../origins/{o}` → the origin;
 * - `PATCH .../origins/{o}` (`{ properties: { enabledState?, priority?, weight?, ... } }`) →
 *   202 with the origin (`provisioningState: Updating`, `deploymentStatus: InProgress`) and an
 *   `Azure-AsyncOperation` header (the SDK's LRO config for this operation is
 *   `azure-async-operation`); the operation answers `{ status: InProgress | Succeeded }` until the
 *   change has deployed on the emulator's clock (`traffic.deployment.ms`), after which the origin
 *   reads `Succeeded`/`Succeeded`.
 * Unknown contracts, inferred: the exact Azure-AsyncOperation URL of Microsoft.Cdn (here
 * `.../resourceGroups/{rg}/providers/Microsoft.Cdn/operationresults/{id}`), whether a GET during the
 * update shows the new values (here it does, with `Updating`), and the error codes of a bad body
 * (here 400 `BadRequest` naming the property).
 */

const ORIGIN_GROUP = 'Microsoft\\.Cdn/profiles/(?<profile>[^/]+)/originGroups/(?<group>[^/]+)';

function findGroup(ctx: EmulatorContext, request: ArmRequest) {
  const { subscriptionId, resourceGroup, profile = '', group = '' } = request.params;
  const p = ctx.traffic.frontDoors.get(profileKey(frontDoorId(subscriptionId, resourceGroup, profile)));
  if (p === undefined) {
    sendError(request.res, {
      status: 404,
      code: 'ResourceNotFound',
      message: `The Resource 'Microsoft.Cdn/profiles/${profile}' under resource group '${resourceGroup}' was not found.`,
    });
    return undefined;
  }
  const g = p.originGroups.get(group.toLowerCase());
  if (g === undefined) {
    sendError(request.res, {
      status: 404,
      code: 'NotFound',
      message: `Origin group ${group} was not found in profile ${profile}.`,
    });
    return undefined;
  }
  return { profile: p, group: g };
}

function findOrigin(ctx: EmulatorContext, request: ArmRequest) {
  const found = findGroup(ctx, request);
  if (found === undefined) return undefined;
  const name = request.params['origin'] ?? '';
  const origin = found.group.origins.get(name.toLowerCase());
  if (origin === undefined) {
    sendError(request.res, {
      status: 404,
      code: 'NotFound',
      message: `Origin ${name} was not found in origin group ${found.group.name}.`,
    });
    return undefined;
  }
  return { ...found, origin };
}

/** An origin in the shape of AFDOrigins_Get.json. */
export function renderOrigin(
  p: EmulatedFrontDoor,
  group: string,
  o: EmulatedOrigin,
): Record<string, unknown> {
  return {
    name: o.name,
    type: 'Microsoft.Cdn/profiles/origingroups/origins',
    id: `${p.id}/originGroups/${group}/origins/${o.name}`,
    properties: {
      originGroupName: group,
      hostName: o.hostName,
      httpPort: o.httpPort,
      httpsPort: o.httpsPort,
      originHostHeader: o.originHostHeader,
      priority: o.priority,
      weight: o.weight,
      enabledState: o.enabledState,
      sharedPrivateLinkResource: null,
      enforceCertificateNameCheck: true,
      provisioningState: o.provisioningState,
      deploymentStatus: o.deploymentStatus,
    },
  };
}

/** `GET .../originGroups/{g}/origins`. */
export const cdnOriginList: ArmRoute = {
  name: 'front door origins',
  pattern: armPath(`${ORIGIN_GROUP}/origins`),
  method: 'GET',
  wrongMethod: (method) => `The emulator serves only GET on an origin list, not ${method}.`,
  handle(ctx, request) {
    const found = findGroup(ctx, request);
    if (found !== undefined)
      send(request.res, 200, {
        value: [...found.group.origins.values()].map((o) =>
          renderOrigin(found.profile, found.group.name, settle(o, ctx.clock)),
        ),
      });
    return Promise.resolve();
  },
};

/** `GET .../origins/{o}`. */
export const cdnOriginGet: ArmRoute = {
  name: 'front door origin',
  pattern: armPath(`${ORIGIN_GROUP}/origins/(?<origin>[^/]+)`),
  method: 'GET',
  wrongMethod: (method) => `The emulator serves GET and PATCH on an origin, not ${method}.`,
  handle(ctx, request) {
    const found = findOrigin(ctx, request);
    if (found !== undefined)
      send(request.res, 200, renderOrigin(found.profile, found.group.name, settle(found.origin, ctx.clock)));
    return Promise.resolve();
  },
};

/** `PATCH .../origins/{o}`: long-running (202 + Azure-AsyncOperation). */
export const cdnOriginUpdate: ArmRoute = {
  ...cdnOriginGet,
  name: 'front door origin update',
  method: 'PATCH',
  async handle(ctx, request) {
    const { res } = request;
    const text = await readBody(request.req);
    const found = findOrigin(ctx, request);
    if (found === undefined) return;
    found.profile.writes++;
    let body: { properties?: Record<string, unknown> };
    try {
      body = JSON.parse(text ?? '') as { properties?: Record<string, unknown> };
    } catch {
      sendError(res, { status: 400, code: 'BadRequest', message: 'The request body is not valid JSON.' });
      return;
    }
    const props = body.properties ?? {};
    const bad = (message: string) => sendError(res, { status: 400, code: 'BadRequest', message });
    const { enabledState, priority, weight } = props;
    if (enabledState !== undefined && enabledState !== 'Enabled' && enabledState !== 'Disabled')
      return bad("Property 'enabledState' must be 'Enabled' or 'Disabled'.");
    if (
      priority !== undefined &&
      (!Number.isInteger(priority) || (priority as number) < 1 || (priority as number) > 5)
    )
      return bad("Property 'priority' must be between 1 and 5.");
    if (
      weight !== undefined &&
      (!Number.isInteger(weight) || (weight as number) < 1 || (weight as number) > 1000)
    )
      return bad("Property 'weight' must be between 1 and 1000.");
    const o = settle(found.origin, ctx.clock);
    if (enabledState !== undefined) o.enabledState = enabledState;
    if (priority !== undefined) o.priority = priority as number;
    if (weight !== undefined) o.weight = weight as number;
    if (typeof props['hostName'] === 'string') o.hostName = props['hostName'];
    if (typeof props['originHostHeader'] === 'string') o.originHostHeader = props['originHostHeader'];
    o.provisioningState = 'Updating';
    o.deploymentStatus = 'InProgress';
    o.deployedAt = ctx.clock.now().getTime() + ctx.traffic.deployment.ms;
    const id = randomUUID();
    ctx.traffic.operations.set(id, {
      id,
      profileKey: profileKey(found.profile.id),
      group: found.group.name,
      origin: o.name,
      startedAt: ctx.clock.now().toISOString(),
    });
    const { subscriptionId, resourceGroup } = request.params;
    const operationUrl = `${ctx.endpoint}/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Cdn/operationresults/${id}?api-version=${request.apiVersion}`;
    send(res, 202, renderOrigin(found.profile, found.group.name, o), {
      'azure-asyncoperation': operationUrl,
      location: operationUrl,
      'retry-after': String(ctx.retryAfterSeconds),
    });
  },
};

/** `GET .../providers/Microsoft.Cdn/operationresults/{id}`: the async operation's status. */
export const cdnOperationResult: ArmRoute = {
  name: 'front door operation',
  pattern: armPath('Microsoft\\.Cdn/operationresults/(?<operation>[^/]+)'),
  method: 'GET',
  wrongMethod: (method) => `The emulator serves only GET on an operation, not ${method}.`,
  handle(ctx, request) {
    const op = ctx.traffic.operations.get(request.params['operation'] ?? '');
    const origin =
      op === undefined
        ? undefined
        : ctx.traffic.frontDoors
            .get(op.profileKey)
            ?.originGroups.get(op.group.toLowerCase())
            ?.origins.get(op.origin.toLowerCase());
    if (op === undefined || origin === undefined) {
      sendError(request.res, { status: 404, code: 'NotFound', message: 'The operation was not found.' });
      return Promise.resolve();
    }
    const done = settle(origin, ctx.clock).deploymentStatus === 'Succeeded';
    send(
      request.res,
      200,
      { name: op.id, status: done ? 'Succeeded' : 'InProgress', startTime: op.startedAt },
      done ? {} : { 'retry-after': String(ctx.retryAfterSeconds) },
    );
    return Promise.resolve();
  },
};
