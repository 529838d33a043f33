import type { ApimConfiguration, ServiceSpec } from './arm/model';

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
