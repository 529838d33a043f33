import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALERTS_QUEUE } from '../../../functions/names/alerts';
import { AGENT_RESULTS_QUEUE } from '../../../functions/names/relay';
import { ALERTS_CONTAINER } from '../../../shared/alerts/decision';
import { loadConfig, sections } from '../../../shared/config';
import { commandQueueName } from '../../../shared/contracts';
import {
  compileBicep,
  deploy,
  Unknown,
  type ArmTemplate,
  type DeployedResource,
  type Deployment,
} from './arm';

/**
 * infra/main.bicep, compiled by the pinned Bicep CLI and read as Resource Manager would deploy it
 * (./arm.ts): the settings the app needs, the queues and containers the code uses, least-privilege
 * role assignments, and where things live (docs/deploying.md).
 */

const SUB = '00000000-0000-0000-0000-000000000000';
const apim = (rg: string, name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.ApiManagement/service/${name}`;
const PROTECTED = apim('rg-apim-weu', 'contoso-apim');
const STANDBY = apim('rg-apim-neu', 'contoso-apim-standby');
const DRILL = apim('rg-apim-drill', 'contoso-apim-drill');
const UNRELATED = apim('rg-apim-weu', 'other-apim');
const APIM_PRINCIPAL = '11111111-1111-1111-1111-111111111111';
const STANDBY_PRINCIPAL = '22222222-2222-2222-2222-222222222222';
const AGENT_DC1 = '33333333-3333-3333-3333-333333333333';
const AUTH_CLIENT_ID = '44444444-4444-4444-4444-444444444444';

const ROLE = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  storageAccountContributor: '17d1049b-9a84-46fb-8f53-869881c3d3ab',
  apimServiceContributor: '312a565d-c81f-4fd8-895a-4e21e48d571c',
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  blobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  queueMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a',
  queueMessageProcessor: '8a0f0c08-91a1-4084-bc3d-661d67233fed',
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  monitoringReader: '43d0d8ad-25c7-4714-9337-8ba259a9fe05',
};

function parameters(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    baseName: 'lifeboat',
    location: 'northeurope',
    primaryLocation: 'westeurope',
    protectedServices: [
      {
        resourceId: PROTECTED,
        standbyResourceId: STANDBY,
        drillTargetResourceId: DRILL,
        principalId: APIM_PRINCIPAL,
      },
    ],
    restoringPrincipalIds: [STANDBY_PRINCIPAL],
    sites: ['dc1', 'dc2'],
    agentPrincipalIds: { dc1: AGENT_DC1 },
    agentKeys: {
      'agent-dc1-1': {
        agentId: 'agent-dc1',
        site: 'dc1',
        publicKey: 'MCowBQYDK2VwAyEA' + 'A'.repeat(43) + '=',
      },
    },
    authClientId: AUTH_CLIENT_ID,
    ...overrides,
  };
}

let template: ArmTemplate;
let d: Deployment;
const deployWith = (overrides: Record<string, unknown> = {}) =>
  deploy(template, parameters(overrides), { rg: 'rg-lifeboat-neu', sub: SUB, rgLocation: 'northeurope' });
const ofType = (dep: Deployment, type: string) => dep.resources.filter((r) => r.type === type);
const one = (dep: Deployment, type: string, where: (r: DeployedResource) => boolean = () => true) => {
  const found = ofType(dep, type).filter(where);
  expect(found, `${type}`).toHaveLength(1);
  return found[0]!;
};
const site = (dep: Deployment) => one(dep, 'Microsoft.Web/sites');
function appSettings(dep: Deployment): Map<string, unknown> {
  const config = site(dep).properties['siteConfig'] as {
    appSettings: Array<{ name: string; value: unknown }>;
  };
  return new Map(config.appSettings.map((s) => [s.name, s.value]));
}
const accountId = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/rg-lifeboat-neu/providers/Microsoft.Storage/storageAccounts/${name}`;
function accounts(dep: Deployment) {
  const settings = appSettings(dep);
  const app = String(settings.get('AzureWebJobsStorage__accountName'));
  const backup = String(settings.get('LIFEBOAT_BACKUP_STORAGE_ACCOUNT'));
  return {
    app: one(dep, 'Microsoft.Storage/storageAccounts', (r) => r.name === app),
    backup: one(dep, 'Microsoft.Storage/storageAccounts', (r) => r.name === backup),
  };
}
interface Assignment {
  principal: string;
  role: string;
  scope: string;
}
function roleAssignments(dep: Deployment): Assignment[] {
  return ofType(dep, 'Microsoft.Authorization/roleAssignments').map((r) => {
    const p = r.properties as { principalId: unknown; roleDefinitionId: string };
    expect(r.scope, `role assignment ${r.name} has a resource scope`).toBeDefined();
    return {
      principal: String(p.principalId),
      role: p.roleDefinitionId.split('/').pop()!,
      // An extension resource's scope is in its own deployment's resource group.
      scope: String(r.scope),
    };
  });
}
const appPrincipal = (dep: Deployment) =>
  String(new Unknown(`reference(${siteId(dep)}).identity.principalId`));
const siteId = (dep: Deployment) =>
  `/subscriptions/${SUB}/resourceGroups/rg-lifeboat-neu/providers/Microsoft.Web/sites/${site(dep).name}`;

beforeAll(() => {
  template = compileBicep('infra/main.bicep');
  d = deployWith();
});

describe('app settings', () => {
  it('sets every setting the configuration schema requires, and the whole configuration loads', () => {
    const settings = appSettings(d);
    const required = Object.values(sections).flatMap((s) =>
      s.keys.filter((k) => !s.shape[k]!.safeParse(undefined).success),
    );
    for (const key of required) expect(settings.has(key), key).toBe(true);
    // What this deployment runs needs: backups of the protected services, the relay to the sites.
    for (const key of [
      'LIFEBOAT_PROTECTED_SERVICES',
      'LIFEBOAT_BACKUP_STORAGE_ACCOUNT',
      'LIFEBOAT_BACKUP_ACCESS_TYPE',
      'LIFEBOAT_RELAY_SIGNING_KEY',
      'LIFEBOAT_RELAY_AGENT_KEYS',
      'LIFEBOAT_RELAY_SITES',
    ])
      expect(settings.has(key), key).toBe(true);
    // Every LIFEBOAT_* setting is one the schema knows (no typo silently ignored).
    const known = new Set(Object.values(sections).flatMap((s) => s.keys));
    for (const key of settings.keys())
      if (key.startsWith('LIFEBOAT_')) expect(known.has(key), key).toBe(true);
    // The values parse: the configuration the app will load from them is valid.
    const env = Object.fromEntries([...settings].map(([k, v]) => [k, String(v)]));
    const config = loadConfig(env);
    expect(config.backup.services.map((s) => s.serviceName)).toEqual(['contoso-apim']);
    expect(config.backup.services[0]!.standby?.serviceName).toBe('contoso-apim-standby');
    expect(config.relay.sites).toEqual(['dc1', 'dc2']);
    expect(config.relay.agentKeys.map((k) => k.keyId)).toEqual(['agent-dc1-1']);
  });

  it('passes secrets as Key Vault references and no secret anywhere', () => {
    const settings = appSettings(d);
    const secrets = Object.values(sections).flatMap((s) => s.secretKeys);
    for (const key of secrets)
      if (settings.has(key))
        expect(String(settings.get(key)), key).toMatch(/^@Microsoft\.KeyVault\(SecretUri=.+\)$/);
    expect(String(settings.get('LIFEBOAT_RELAY_SIGNING_KEY'))).toContain('secrets/relay-signing-key');
    expect(settings.get('LIFEBOAT_BACKUP_ACCESS_TYPE')).toBe('SystemAssignedManagedIdentity');
    expect(settings.has('LIFEBOAT_BACKUP_ACCESS_KEY')).toBe(false);
    for (const [key, value] of settings) {
      expect(String(value), key).not.toMatch(/AccountKey=|SharedAccessSignature=|BEGIN [A-Z ]*PRIVATE KEY/);
      expect(key, 'connection strings with keys').not.toMatch(
        /^(AzureWebJobsStorage|AgentQueues|BackupStorage)$/,
      );
    }
  });

  it('sets every %SETTING% a binding uses', () => {
    const settings = appSettings(d);
    const root = path.resolve(__dirname, '..', '..', '..', 'functions');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const used = new Set(
      files.flatMap((f) =>
        [...readFileSync(path.join(root, f), 'utf8').matchAll(/'%(\w+)%'/g)].map((m) => m[1]!),
      ),
    );
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) expect(settings.has(name), name).toBe(true);
  });

  it('connects the host, the agent queues and the backups with the identity, to the accounts deployed', () => {
    const settings = appSettings(d);
    const { app, backup } = accounts(d);
    expect(settings.get('AgentQueues__queueServiceUri')).toBe(`https://${app.name}.queue.core.windows.net`);
    expect(settings.get('BackupStorage__blobServiceUri')).toBe(
      `https://${backup.name}.blob.core.windows.net`,
    );
    for (const a of [app, backup])
      expect(a.properties).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false });
  });
});

describe('queues and containers the code uses', () => {
  it('creates the results queue, the alert queue and one command queue per site in the app account', () => {
    const { app } = accounts(d);
    const queues = ofType(d, 'Microsoft.Storage/storageAccounts/queueServices/queues').map((q) => q.name);
    expect(queues.sort()).toEqual(
      [AGENT_RESULTS_QUEUE, ALERTS_QUEUE, commandQueueName('dc1'), commandQueueName('dc2')]
        .map((q) => `${app.name}/default/${q}`)
        .sort(),
    );
  });

  it('creates the backup container in the backup account, the relay container and the package container in the app account', () => {
    const { app, backup } = accounts(d);
    const config = loadConfig(Object.fromEntries([...appSettings(d)].map(([k, v]) => [k, String(v)])));
    const containers = ofType(d, 'Microsoft.Storage/storageAccounts/blobServices/containers').map(
      (c) => c.name,
    );
    expect(containers).toContain(`${backup.name}/default/${config.backup.container}`);
    expect(containers).toContain(`${app.name}/default/${config.relay.container}`);
    expect(containers).toContain(`${app.name}/default/${ALERTS_CONTAINER}`);
    // The deployment package container: <the app account's blob endpoint>deployments.
    const url = String(
      (site(d).properties['functionAppConfig'] as { deployment: { storage: { value: unknown } } }).deployment
        .storage.value,
    );
    expect(url).toContain(`Microsoft.Storage/storageAccounts/${app.name}).primaryEndpoints.blob>`);
    expect(containers).toContain(`${app.name}/default/${url.split('>').pop()!}`);
    for (const c of ofType(d, 'Microsoft.Storage/storageAccounts/blobServices/containers'))
      expect(c.properties['publicAccess'], c.name).toBe('None');
  });
});

describe('monitoring alerts (issue 11)', () => {
  it('an action group calls the alert intake with the common alert schema', () => {
    const group = one(d, 'Microsoft.Insights/actionGroups');
    expect(group.location).toBe('global');
    const props = group.properties as {
      enabled: boolean;
      groupShortName: string;
      azureFunctionReceivers: Record<string, unknown>[];
    };
    expect(props.enabled).toBe(true);
    expect(props.groupShortName.length).toBeLessThanOrEqual(12);
    expect(props.azureFunctionReceivers).toHaveLength(1);
    const receiver = props.azureFunctionReceivers[0]!;
    expect(receiver).toMatchObject({ functionName: 'alertIntake', useCommonAlertSchema: true });
    expect(String(receiver['functionAppResourceId'])).toBe(siteId(d));
    expect(String(receiver['httpTriggerUrl'])).toMatch(/^https:\/\/.*\/api\/alerts$/);
    expect(String(receiver['httpTriggerUrl'])).toContain(`Microsoft.Web/sites/${site(d).name}`);
    // No function key in the template (it would stay in the deployment history).
    expect(String(receiver['httpTriggerUrl'])).not.toMatch(/code=|listKeys/i);
  });

  it('the intake is the registered alertIntake route with a function key', async () => {
    const file = readFileSync(path.resolve(__dirname, '../../../functions/http/alertIntake.ts'), 'utf8');
    expect(file).toContain("route: 'alerts'");
    expect(file).toContain("authLevel: 'function'");
    const { alerts } = await import('../../../functions/names/alerts');
    expect(alerts.alertIntake).toBe('alertIntake');
  });
});

describe('who may call (issue 20)', () => {
  it('turns on App Service Authentication with Entra ID: sign-in required, 401 otherwise, only health and the alert intake excepted', () => {
    const auth = one(d, 'Microsoft.Web/sites/config', (r) => r.name === `${site(d).name}/authsettingsV2`);
    const props = auth.properties as {
      platform: { enabled: boolean };
      globalValidation: {
        requireAuthentication: boolean;
        unauthenticatedClientAction: string;
        excludedPaths: string[];
      };
      identityProviders: {
        azureActiveDirectory: {
          enabled: boolean;
          registration: { clientId: string; openIdIssuer: unknown };
          validation: { allowedAudiences: string[] };
        };
      };
      login: { tokenStore: { enabled: boolean } };
    };
    expect(props.platform.enabled).toBe(true);
    expect(props.globalValidation).toEqual({
      requireAuthentication: true,
      unauthenticatedClientAction: 'Return401',
      excludedPaths: ['/api/health', '/api/alerts'],
    });
    const aad = props.identityProviders.azureActiveDirectory;
    expect(aad.enabled).toBe(true);
    expect(aad.registration.clientId).toBe(AUTH_CLIENT_ID);
    expect(aad.validation.allowedAudiences).toContain(`api://${AUTH_CLIENT_ID}`);
    expect(props.login.tokenStore.enabled).toBe(false);
  });

  it('the excepted paths are the anonymous health route and the function-key intake; every other route declares an app role', () => {
    const dir = path.resolve(__dirname, '../../../functions/http');
    const roleless = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => !/^\s*role: /m.test(readFileSync(path.join(dir, f), 'utf8')))
      .sort();
    // The catch-all only answers 404 / 405; in Azure the platform asks for a sign-in before it.
    expect(roleless).toEqual(['alertIntake.ts', 'health.ts', 'unmatchedRoute.ts']);
  });

  it('declares the three app roles the routes check', async () => {
    const { ROLES } = await import('../../../shared/identity/principal');
    const manifest = JSON.parse(
      readFileSync(path.resolve(__dirname, '../../../infra/entra/app-roles.json'), 'utf8'),
    ) as { value: string; isEnabled: boolean; id: string }[];
    expect(manifest.map((r) => r.value).sort()).toEqual(Object.values(ROLES).sort());
    expect(manifest.every((r) => r.isEnabled)).toBe(true);
    expect(new Set(manifest.map((r) => r.id)).size).toBe(3);
  });
});

describe('least privilege', () => {
  it('assigns no Owner, Contributor, User Access Administrator or Storage Account Contributor', () => {
    const forbidden = [
      ROLE.owner,
      ROLE.contributor,
      ROLE.userAccessAdministrator,
      ROLE.storageAccountContributor,
    ];
    for (const a of roleAssignments(d)) expect(forbidden, `${a.role} on ${a.scope}`).not.toContain(a.role);
  });

  it('gives the app APIM Service Contributor on the protected, standby and drill-target services only', () => {
    const apimRoles = roleAssignments(d).filter((a) => a.role === ROLE.apimServiceContributor);
    expect(apimRoles.every((a) => a.principal === appPrincipal(d))).toBe(true);
    expect(apimRoles.map((a) => a.scope).sort()).toEqual([DRILL, PROTECTED, STANDBY].sort());
    expect(apimRoles.map((a) => a.scope)).not.toContain(UNRELATED);
  });

  it('gives the app Monitoring Reader on the protected services only (it reads their alerts before acting)', () => {
    const readers = roleAssignments(d).filter((a) => a.role === ROLE.monitoringReader);
    expect(readers).toEqual([{ principal: appPrincipal(d), role: ROLE.monitoringReader, scope: PROTECTED }]);
  });

  it('expires alert records with a lifecycle rule on the lifeboat-alerts prefix, after LIFEBOAT_ALERT_RETENTION_DAYS', () => {
    const policy = one(d, 'Microsoft.Storage/storageAccounts/managementPolicies');
    const rules = (policy.properties as { policy: { rules: Record<string, unknown>[] } }).policy.rules;
    expect(rules).toEqual([
      expect.objectContaining({
        enabled: true,
        type: 'Lifecycle',
        definition: {
          filters: { blobTypes: ['blockBlob', 'appendBlob'], prefixMatch: [`${ALERTS_CONTAINER}/`] },
          actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 90 } } },
        },
      }),
    ]);
    expect(appSettings(d).get('LIFEBOAT_ALERT_RETENTION_DAYS')).toBe('90');
  });

  it('gives the APIM identities Storage Blob Data Contributor on the backup account, and nothing else', () => {
    const { backup } = accounts(d);
    for (const principal of [APIM_PRINCIPAL, STANDBY_PRINCIPAL]) {
      expect(roleAssignments(d).filter((a) => a.principal === principal)).toEqual([
        { principal, role: ROLE.blobDataContributor, scope: accountId(backup.name) },
      ]);
    }
  });

  it("gives the app data roles on its own account, the backup account and the vault's secrets, nothing wider", () => {
    const { app, backup } = accounts(d);
    const vault = one(d, 'Microsoft.KeyVault/vaults');
    const mine = roleAssignments(d)
      .filter(
        (a) =>
          a.principal === appPrincipal(d) &&
          a.role !== ROLE.apimServiceContributor &&
          a.role !== ROLE.monitoringReader,
      )
      .map((a) => [a.role, a.scope]);
    expect(mine.sort()).toEqual(
      [
        [ROLE.blobDataOwner, accountId(app.name)],
        [ROLE.queueDataContributor, accountId(app.name)],
        [ROLE.tableDataContributor, accountId(app.name)],
        [ROLE.blobDataContributor, accountId(backup.name)],
        [
          ROLE.keyVaultSecretsUser,
          `/subscriptions/${SUB}/resourceGroups/rg-lifeboat-neu/providers/Microsoft.KeyVault/vaults/${vault.name}`,
        ],
      ].sort(),
    );
  });

  it('splits the agent queue roles: Processor on its own command queue, Sender on the results queue', () => {
    const { app } = accounts(d);
    const queue = (q: string) => `${accountId(app.name)}/queueServices/default/queues/${q}`;
    expect(
      roleAssignments(d)
        .filter((a) => a.principal === AGENT_DC1)
        .map((a) => [a.role, a.scope])
        .sort(),
    ).toEqual(
      [
        [ROLE.queueMessageProcessor, queue(commandQueueName('dc1'))],
        [ROLE.queueMessageSender, queue(AGENT_RESULTS_QUEUE)],
      ].sort(),
    );
    // dc2 has no agent identity: no assignment with an empty principal.
    expect(roleAssignments(d).filter((a) => a.principal === '' || a.principal === 'null')).toEqual([]);
  });
});

describe('where things live', () => {
  it('deploys the app, its plan, its task-hub storage, the vault and the logs in the recovery region, nothing in the primary', () => {
    const { app } = accounts(d);
    for (const r of [
      site(d),
      one(d, 'Microsoft.Web/serverfarms'),
      app,
      one(d, 'Microsoft.KeyVault/vaults'),
      one(d, 'Microsoft.Insights/components'),
      one(d, 'Microsoft.OperationalInsights/workspaces'),
    ])
      expect(r.location, `${r.type} ${r.name}`).toBe('northeurope');
    // The task hub is in the account AzureWebJobsStorage names.
    expect(appSettings(d).get('AzureWebJobsStorage__accountName')).toBe(app.name);
    expect(d.resources.filter((r) => r.location === 'westeurope')).toEqual([]);
  });

  it('by default keeps the backup account in the recovery region too (zone-redundant)', () => {
    const { backup } = accounts(d);
    expect(backup.location).toBe('northeurope');
    expect(backup.sku).toEqual({ name: 'Standard_ZRS' });
  });

  it.each([['Standard_RAGZRS'], ['Standard_RAGRS']])(
    'geoRedundant puts the backup account in the primary region with %s (a readable copy in its pair)',
    (sku) => {
      const geo = deployWith({ backupPlacement: 'geoRedundant', backupGeoSku: sku });
      const { app, backup } = accounts(geo);
      expect(backup.location).toBe('westeurope');
      expect(backup.sku).toEqual({ name: sku });
      expect(app.location).toBe('northeurope');
      expect(site(geo).location).toBe('northeurope');
    },
  );

  it('never yields a backup account that a primary-region outage takes away', () => {
    for (const backupPlacement of template.parameters!['backupPlacement']!.allowedValues!)
      for (const backupGeoSku of template.parameters!['backupGeoSku']!.allowedValues!) {
        const { backup } = accounts(deployWith({ backupPlacement, backupGeoSku }));
        const inRecovery = backup.location === 'northeurope';
        const readableElsewhere = ['Standard_RAGRS', 'Standard_RAGZRS'].includes(
          (backup.sku as { name: string }).name,
        );
        expect(inRecovery || readableElsewhere, `${String(backupPlacement)} ${String(backupGeoSku)}`).toBe(
          true,
        );
      }
    expect(() => deployWith({ backupPlacement: 'geoRedundant', backupGeoSku: 'Standard_GZRS' })).toThrow(
      /backupGeoSku/,
    );
  });
});
