import type { EmulatorContext } from './context';
import { renderService, startGateway } from './gateways';
import { createService, serviceKey, serviceKeyOf, serviceResourceId } from './model';
import type { ArmServices } from './types';

/** The scripting API of the services (seeding and assertions). */
export function createServicesApi(ctx: EmulatorContext): ArmServices {
  const mustGet = (resourceId: string) => {
    const s = ctx.services.get(serviceKeyOf(resourceId));
    if (!s) throw new RangeError(`no emulated service ${resourceId}`);
    return s;
  };

  return {
    add(spec) {
      const s = createService(spec, ctx.clock.now());
      ctx.services.set(serviceKey(s), s);
      startGateway(ctx, serviceKey(s));
      return serviceResourceId(s);
    },
    update(resourceId, patch) {
      const s = mustGet(resourceId);
      if (patch.location !== undefined) s.location = patch.location;
      if (patch.sku !== undefined)
        s.sku = { name: patch.sku.name, capacity: patch.sku.capacity ?? s.sku.capacity };
      if (patch.provisioningState !== undefined) s.provisioningState = patch.provisioningState;
      if (patch.workspaces !== undefined) s.workspaces = patch.workspaces;
      if (patch.tags !== undefined) s.tags = { ...patch.tags };
      if (patch.usage !== undefined) s.usage = [...s.usage, ...structuredClone(patch.usage)];
      if (patch.configuration !== undefined)
        s.configuration = { ...s.configuration, ...structuredClone(patch.configuration) };
      if (patch.identity !== undefined) {
        const fresh = createService({ name: s.name, identity: patch.identity }, ctx.clock.now()).identity;
        s.identity = { ...fresh, principalId: s.identity.principalId };
      }
      s.etagCounter++;
    },
    get: (resourceId) => {
      const s = ctx.services.get(serviceKeyOf(resourceId));
      return s === undefined ? undefined : structuredClone(s);
    },
    resource: (resourceId) => {
      const s = ctx.services.get(serviceKeyOf(resourceId));
      return s === undefined ? undefined : renderService(ctx, s);
    },
    list: () => [...ctx.services.values()].map((s) => structuredClone(s)),
  };
}
