import type { EmulatorContext } from '../../context';
import { renderService } from '../../gateways';
import { serviceKey, type EmulatedService } from '../../model';
import { faultAnswer, send, sendError } from '../../respond';
import { armPath, type ArmRoute, type ArmRequest } from '../../route';
import type { ArmError } from '../../validation';

/** `Microsoft.ApiManagement/service/{service}`: the path every API Management route starts with. */
export const APIM_SERVICE = 'Microsoft\\.ApiManagement/service/(?<service>[^/]+)';

/** The service a request names (its map key, and the service when it exists). */
export function requestedService(
  ctx: EmulatorContext,
  request: ArmRequest,
): { key: string; name: string; service: EmulatedService | undefined } {
  const { subscriptionId, resourceGroup, service: name = '' } = request.params;
  const key = serviceKey({ subscriptionId: subscriptionId.toLowerCase(), resourceGroup, name });
  return { key, name, service: ctx.services.get(key) };
}

/** ARM's 404 for a service that does not exist. */
export function serviceNotFound(request: ArmRequest): ArmError {
  const { resourceGroup, service: name = '' } = request.params;
  return {
    status: 404,
    code: 'ResourceNotFound',
    message: `The Resource 'Microsoft.ApiManagement/service/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  };
}

/** GET a service: the `ApiManagementServiceResource`. */
export const apimService: ArmRoute = {
  name: 'apim service',
  pattern: armPath(APIM_SERVICE),
  method: 'GET',
  wrongMethod: (method) => `The emulator serves only GET on a service, not ${method}.`,
  async handle(ctx, request) {
    const { res } = request;
    const { key, name, service } = requestedService(ctx, request);
    const fault = ctx.takeFault('get');
    if (fault && faultAnswer(res, fault, name)) return;
    if (!service) sendError(res, serviceNotFound(request));
    else {
      await ctx.gateways.get(key)?.ready;
      send(res, 200, renderService(ctx, service));
    }
  },
};
