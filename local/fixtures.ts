import type { FrontDoorSpec } from './arm/traffic';
import {
  DEFAULT_RESOURCE_GROUP,
  DEFAULT_SUBSCRIPTION,
  serviceResourceId,
  type ApimConfiguration,
  type ServiceSpec,
} from './arm/model';

/**
 * The Contoso estate of the local stack, in one place: `npm start` and every integration test that
 * needs "a primary with a standby and a drill target" use these names and ids.
 */
export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

/** The ARM id of an API Management service in the default subscription. */
export const serviceId = (resourceGroup: string, name: string): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${resourceGroup}/providers/Microsoft.ApiManagement/service/${name}`;

export const PRIMARY = serviceId('rg-apim-weu', 'contoso-apim');
export const STANDBY = serviceId('rg-apim-neu', 'contoso-apim-standby');
export const DRILL = serviceId('rg-apim-neu', 'contoso-apim-drill');

/** What `npm start` puts in the primary: a few of each list, so a restore has something to verify. */
export const DEMO_CONFIGURATION: Partial<ApimConfiguration> = {
  apis: [
    { name: 'orders', path: 'orders', displayName: 'Orders' },
    { name: 'orders;rev=2', path: 'orders', displayName: 'Orders', apiRevision: '2', isCurrent: false },
    { name: 'billing', path: 'billing', displayName: 'Billing' },
    { name: 'catalog', path: 'catalog', displayName: 'Catalog' },
  ],
  products: [
    { name: 'starter', displayName: 'Starter' },
    { name: 'unlimited', displayName: 'Unlimited' },
  ],
  namedValues: [
    { name: 'backend-url', value: 'https://orders.contoso.example' },
    { name: 'billing-url', value: 'https://billing.contoso.example' },
    { name: 'backend-key', value: 'local-demo-secret', secret: true },
  ],
};

/**
 * The primary in West Europe (with `configuration`), its standby and, unless `drill: false`, a
 * drill target of the same tier in North Europe.
 */
export function contosoServices(
  options: { configuration?: Partial<ApimConfiguration>; drill?: boolean } = {},
): ServiceSpec[] {
  const neu = (name: string): ServiceSpec => ({
    resourceGroup: 'rg-apim-neu',
    name,
    location: 'North Europe',
    sku: { name: 'Developer', capacity: 1 },
    identity: { systemAssigned: true },
  });
  return [
    {
      resourceGroup: 'rg-apim-weu',
      name: 'contoso-apim',
      location: 'West Europe',
      sku: { name: 'Developer', capacity: 1 },
      identity: { systemAssigned: true },
      configuration: options.configuration ?? DEMO_CONFIGURATION,
    },
    neu('contoso-apim-standby'),
    ...(options.drill === false ? [] : [neu('contoso-apim-drill')]),
  ];
}

/** LIFEBOAT_PROTECTED_SERVICES for the Contoso estate. */
export function contosoProtected(options: { drill?: boolean } = {}): string {
  return JSON.stringify([
    {
      resourceId: PRIMARY,
      standbyResourceId: STANDBY,
      ...(options.drill === false ? {} : { drillTargetResourceIds: [DRILL] }),
    },
  ]);
}

/** The ARM id the emulator gives a service spec (its defaults filled in). */
export function idOf(spec: ServiceSpec): string {
  return serviceResourceId({
    subscriptionId: spec.subscriptionId ?? DEFAULT_SUBSCRIPTION,
    resourceGroup: spec.resourceGroup ?? DEFAULT_RESOURCE_GROUP,
    name: spec.name,
  });
}

/** ARM ids by service name. */
export function idsByName(services: readonly ServiceSpec[]): Record<string, string> {
  return Object.fromEntries(services.map((s) => [s.name, idOf(s)]));
}

/** Which services are protected, with their standby and drill targets, by service name. */
export interface Protection {
  service: string;
  standby?: string;
  drillTargets?: string[];
  allowRestoreOverPrimary?: boolean;
}

/** LIFEBOAT_PROTECTED_SERVICES for `protect`, names turned into the ids of `services`. */
export function protectedServicesSetting(
  services: readonly ServiceSpec[],
  protect: readonly Protection[],
): string {
  const ids = idsByName(services);
  const id = (name: string) => {
    const found = ids[name];
    if (found === undefined)
      throw new RangeError(`protect: no service named '${name}' among the world's services`);
    return found;
  };
  return JSON.stringify(
    protect.map((p) => ({
      resourceId: id(p.service),
      ...(p.standby === undefined ? {} : { standbyResourceId: id(p.standby) }),
      ...(p.drillTargets === undefined ? {} : { drillTargetResourceIds: p.drillTargets.map(id) }),
      ...(p.allowRestoreOverPrimary === undefined
        ? {}
        : { allowRestoreOverPrimary: p.allowRestoreOverPrimary }),
    })),
  );
}

/** The Front Door profile in front of the Contoso gateways (issue 23): the sample plan's traffic.switch. */
export const FRONT_DOOR = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-edge/providers/Microsoft.Cdn/profiles/contoso-afd`;

/**
 * The Front Door profile `contoso-afd` (origin group `apim`): origin `primary` (priority 1,
 * enabled) at the primary's gateway and `standby` (priority 2, disabled) at the standby's, given
 * their gateway URLs (`https://127.0.0.1:{port}` locally).
 */
export function contosoFrontDoor(gateways: { primary: string; standby: string }): FrontDoorSpec {
  const origin = (name: string, url: string, priority: number, enabled: boolean) => {
    const u = new URL(url);
    return {
      name,
      hostName: u.hostname,
      httpsPort: u.port === '' ? 443 : Number(u.port),
      priority,
      enabled,
    };
  };
  return {
    resourceGroup: 'rg-edge',
    name: 'contoso-afd',
    originGroups: [
      {
        name: 'apim',
        origins: [
          origin('primary', gateways.primary, 1, true),
          origin('standby', gateways.standby, 2, false),
        ],
      },
    ],
  };
}
