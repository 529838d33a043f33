import { BACKUP_TIERS, type ApimServiceInfo } from '../apim/port';

/**
 * Whether a service can be backed up now (apim-backup-restore.md, "Tiers"): only Developer,
 * Basic, Standard and Premium without workspaces; not while another management operation runs.
 */
export type PreflightDecision =
  | { kind: 'ready' }
  | {
      kind: 'unsupported';
      code: 'UnsupportedTier' | 'WorkspacesNotSupported' | 'ServiceFailed';
      reason: string;
    }
  | { kind: 'wait'; reason: string };

/** Decides from the service's tier and provisioning state. */
export function decidePreflight(service: ApimServiceInfo): PreflightDecision {
  const tier = service.sku.name;
  if (!BACKUP_TIERS.some((t) => t.toLowerCase() === tier.toLowerCase())) {
    return {
      kind: 'unsupported',
      code: 'UnsupportedTier',
      reason: `the ${tier} tier cannot be backed up (only ${BACKUP_TIERS.join(', ')})`,
    };
  }
  if (service.hasWorkspaces) {
    return {
      kind: 'unsupported',
      code: 'WorkspacesNotSupported',
      reason: 'services with workspaces cannot be backed up',
    };
  }
  const state = service.provisioningState;
  if (state.toLowerCase() === 'failed') {
    return {
      kind: 'unsupported',
      code: 'ServiceFailed',
      reason: 'the service is in the Failed provisioning state',
    };
  }
  if (state.toLowerCase() !== 'succeeded' || service.targetProvisioningState !== '') {
    const target =
      service.targetProvisioningState === '' ? '' : ` (target ${service.targetProvisioningState})`;
    return { kind: 'wait', reason: `the service is transitioning: ${state}${target}` };
  }
  return { kind: 'ready' };
}
