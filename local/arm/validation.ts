import type { EmulatedService } from './model';

/** An ARM error answer: HTTP status and the ErrorResponse body fields. */
export interface ArmError {
  status: number;
  code: string;
  message: string;
  target?: string;
}

/** Builds the ARM ErrorResponse body. */
export function errorBody(e: ArmError): { error: Record<string, unknown> } {
  return {
    error: {
      code: e.code,
      message: e.message,
      ...(e.target === undefined ? {} : { target: e.target }),
      details: null,
      innerError: null,
    },
  };
}

/** The validated body of a backup/restore POST. */
export interface BackupRestoreParams {
  storageAccount: string;
  containerName: string;
  backupName: string;
  accessType: 'AccessKey' | 'SystemAssignedManagedIdentity' | 'UserAssignedManagedIdentity';
  accessKey: string | undefined;
  clientId: string | undefined;
}

const ACCESS_TYPES = ['AccessKey', 'SystemAssignedManagedIdentity', 'UserAssignedManagedIdentity'] as const;
// Managed identity access arrived with this api-version (apim-backup-restore.md, "Requests").
const FIRST_MI_API_VERSION = '2021-04-01';

// The live service reports the parameter under its internal name (apim-backup-restore.md,
// "Errors worth handling": `Parameter name: backupContainerName` / `backupStorageAccount`); the
// other names follow the same pattern and are inferred.
function invalid(message: string, parameter: string): ArmError {
  return {
    status: 400,
    code: 'InvalidParameters',
    message: `Invalid parameter: ${message}\r\nParameter name: ${parameter}`,
  };
}

/** Blob container naming rules (Azure Storage): 3-63 chars, lower-case letters, digits, single hyphens. */
export function containerNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (/[A-Z]/.test(name)) return 'must not contain upper-case letters';
  if (!/^[a-z0-9-]+$/.test(name)) return 'may contain only lower-case letters, digits and hyphens';
  if (!/^[a-z0-9]/.test(name) || name.endsWith('-'))
    return 'must start with a letter or digit and not end with a hyphen';
  if (name.includes('--')) return 'must not contain consecutive hyphens';
  return undefined;
}

/**
 * Validates `ApiManagementServiceBackupRestoreParameters` as the live service does (required
 * fields, `accessType` default AccessKey, `accessKey` only with AccessKey, `clientId` only with
 * UserAssignedManagedIdentity and matching an attached identity, container name rules).
 */
export function validateBackupRestoreBody(
  raw: unknown,
  service: EmulatedService,
  apiVersion: string,
): { ok: true; value: BackupRestoreParams } | { ok: false; error: ArmError } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ok: false,
      error: {
        status: 400,
        code: 'InvalidRequestContent',
        message:
          'The request content was invalid and could not be deserialized: the body must be a JSON object.',
      },
    };
  }
  const body = raw as Record<string, unknown>;
  const str = (key: string): string | undefined | null => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : null;
  };
  const storageAccount = str('storageAccount');
  const containerName = str('containerName');
  const backupName = str('backupName');
  const accessTypeRaw = str('accessType');
  const accessKey = str('accessKey');
  const clientId = str('clientId');
  for (const [key, value] of Object.entries({
    storageAccount,
    containerName,
    backupName,
    accessType: accessTypeRaw,
    accessKey,
    clientId,
  })) {
    if (value === null) {
      return {
        ok: false,
        error: {
          status: 400,
          code: 'InvalidRequestContent',
          message: `The request content was invalid and could not be deserialized: '${key}' must be a string.`,
        },
      };
    }
  }
  if (!storageAccount)
    return { ok: false, error: invalid('storage account name is required.', 'backupStorageAccount') };
  if (!/^[a-z0-9]{3,24}$/.test(storageAccount)) {
    return {
      ok: false,
      error: invalid(
        `storage account name '${storageAccount}' must be 3 to 24 lower-case letters and digits.`,
        'backupStorageAccount',
      ),
    };
  }
  if (!containerName)
    return { ok: false, error: invalid('container name is required.', 'backupContainerName') };
  const containerProblem = containerNameProblem(containerName);
  if (containerProblem) {
    return {
      ok: false,
      error: invalid(
        `container name '${containerName}' is invalid: it ${containerProblem}.`,
        'backupContainerName',
      ),
    };
  }
  if (!backupName) return { ok: false, error: invalid('backup name is required.', 'backupName') };
  if (backupName.length > 1024)
    return { ok: false, error: invalid('backup name must be at most 1024 characters.', 'backupName') };

  const accessType = (accessTypeRaw ?? 'AccessKey') as BackupRestoreParams['accessType'];
  if (!ACCESS_TYPES.includes(accessType)) {
    return {
      ok: false,
      error: invalid(
        `access type '${accessTypeRaw}' is not one of ${ACCESS_TYPES.join(', ')}.`,
        'accessType',
      ),
    };
  }
  if (accessType !== 'AccessKey' && apiVersion.slice(0, 10) < FIRST_MI_API_VERSION) {
    return {
      ok: false,
      error: invalid(
        `access type '${accessType}' requires api-version 2021-04-01-preview or later.`,
        'accessType',
      ),
    };
  }
  if (accessType === 'AccessKey') {
    if (!accessKey)
      return {
        ok: false,
        error: invalid("access key is required when accessType is 'AccessKey'.", 'accessKey'),
      };
  } else if (accessKey !== undefined) {
    return {
      ok: false,
      error: invalid("access key is allowed only when accessType is 'AccessKey'.", 'accessKey'),
    };
  }
  if (accessType !== 'UserAssignedManagedIdentity' && clientId !== undefined) {
    return {
      ok: false,
      error: invalid(
        "clientId is allowed only when accessType is 'UserAssignedManagedIdentity'.",
        'clientId',
      ),
    };
  }
  if (accessType === 'SystemAssignedManagedIdentity' && !service.identity.systemAssigned) {
    return {
      ok: false,
      error: invalid(`the service '${service.name}' has no system-assigned managed identity.`, 'accessType'),
    };
  }
  if (accessType === 'UserAssignedManagedIdentity') {
    if (!clientId)
      return {
        ok: false,
        error: invalid("clientId is required when accessType is 'UserAssignedManagedIdentity'.", 'clientId'),
      };
    const attached = Object.values(service.identity.userAssigned).some(
      (ua) => ua.clientId.toLowerCase() === clientId.toLowerCase(),
    );
    if (!attached) {
      return {
        ok: false,
        error: invalid(
          `no user-assigned identity with client id '${clientId}' is attached to the service '${service.name}'.`,
          'clientId',
        ),
      };
    }
  }
  return {
    ok: true,
    value: {
      storageAccount,
      containerName,
      backupName,
      accessType,
      accessKey: accessKey ?? undefined,
      clientId: clientId ?? undefined,
    },
  };
}
