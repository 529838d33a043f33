import { z } from 'zod';
import {
  DEFAULT_LYNC_MODULE,
  JOB_STATES,
  LYNC_BACKUP_MODULES,
  LYNC_EXPORT_STATUSES,
  LYNC_IMPORT_STATUSES,
  REPLICATION_MODES,
  REPLICATION_STATES,
  normaliseLyncStatus,
} from './domain';
import {
  displayNameSchema,
  fqdnSchema,
  guidSchema,
  hostnameSchema,
  recoveryPointSchema,
  sipAddressSchema,
  vmRefSchema,
} from './validators';

/**
 * The closed set of command types the relay carries, each with a strict parameter schema (no
 * extra keys) and a strict output schema. A type not in this table is refused by the verifier
 * before anything looks at its parameters (docs/reference/threats-and-faults.md).
 */

const moduleSchema = z.enum(LYNC_BACKUP_MODULES, {
  error: `must be one of ${LYNC_BACKUP_MODULES.join(', ')}`,
});
const vmOptionalRecoveryPoint = z.strictObject({
  vm: vmRefSchema,
  recoveryPointId: recoveryPointSchema.optional(),
});

/** Parameter schemas by command type. Defaults are applied before signing, so the signed bytes carry them. */
export const commandParamSchemas = {
  // The sync runs on the pool that still HOLDS the data (`poolFqdn`), never on the pool that lost
  // it (`lostPoolFqdn`, its pair): the agent reads the pairing first and refuses `NotPaired`.
  'lync.backupSync': z
    .strictObject({
      poolFqdn: fqdnSchema,
      lostPoolFqdn: fqdnSchema,
      module: moduleSchema.default(DEFAULT_LYNC_MODULE),
    })
    .refine((p) => p.poolFqdn.toLowerCase() !== p.lostPoolFqdn.toLowerCase(), {
      path: ['lostPoolFqdn'],
      error:
        'must differ from poolFqdn: the sync runs on the pool that still holds the data, never on the pool that lost it',
    }),
  // Get-CsPoolBackupRelationship: which pool a Front End pool is paired with (read only).
  'lync.backupRelationship': z.strictObject({ poolFqdn: fqdnSchema }),
  'lync.backupStatus': z.strictObject({
    poolFqdn: fqdnSchema,
    module: moduleSchema.default(DEFAULT_LYNC_MODULE),
  }),
  'hyperv.initiateFailback': vmOptionalRecoveryPoint,
  // On a failover cluster (issue 22 item 9) the job lives on the node InitiateFailback ran on:
  // `vm` and `node` (from the initiate's output) let the agent read it there, and report
  // `VmMoved` when the VM's role is now owned by another node. Standalone hosts send the id only.
  'hyperv.jobStatus': z
    .strictObject({ jobId: guidSchema, vm: vmRefSchema.optional(), node: hostnameSchema.optional() })
    .refine((p) => p.node === undefined || p.vm !== undefined, {
      path: ['node'],
      error: "needs vm: the node is checked against the owner of the VM's clustered role",
    }),
  'hyperv.replicationState': z.strictObject({ vm: vmRefSchema }),
  'hyperv.startTestFailover': vmOptionalRecoveryPoint,
  // Stop-VMFailover takes only the VM: a recovery point means nothing when removing the test VM.
  'hyperv.stopTestFailover': z.strictObject({ vm: vmRefSchema }),
  'pchat.ensureLegacyEndpoint': z.strictObject({
    sipAddress: sipAddressSchema,
    poolFqdn: fqdnSchema,
    displayName: displayNameSchema.optional(),
  }),
  'pchat.getLegacyEndpoint': z.strictObject({ sipAddress: sipAddressSchema }),
  'agent.ping': z.strictObject({}),
} as const;

/** Every command type, in a stable order. */
export const COMMAND_TYPES = Object.keys(commandParamSchemas) as CommandType[];
export type CommandType = keyof typeof commandParamSchemas;
/** Parameters of a command type after parsing (defaults applied). */
export type CommandParams<T extends CommandType> = z.output<(typeof commandParamSchemas)[T]>;
/** Parameters as a caller may write them (defaults optional). */
export type CommandParamsInput<T extends CommandType> = z.input<(typeof commandParamSchemas)[T]>;

/** Whether `text` names a command type of the closed set. */
export function isCommandType(text: unknown): text is CommandType {
  return typeof text === 'string' && Object.prototype.hasOwnProperty.call(commandParamSchemas, text);
}

const lyncStatusText = <T extends readonly [string, ...string[]]>(values: T, field: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? normaliseLyncStatus(v) : v),
    z.enum(values, { error: `${field} must be one of ${values.join(', ')}` }),
  );
const progress = z.enum(['done', 'inProgress', 'failed']);
const replicationState = z.enum(REPLICATION_STATES, {
  error: 'replicationState must be a known Hyper-V replication state',
});
const shortText = z.string().max(1024);

/** Output schemas by command type (what `succeeded` / `alreadyDone` results carry). */
export const commandOutputSchemas = {
  'lync.backupSync': z.strictObject({ poolFqdn: fqdnSchema, lostPoolFqdn: fqdnSchema, module: moduleSchema }),
  'lync.backupRelationship': z.strictObject({
    poolFqdn: fqdnSchema,
    /** The pool it is paired with; null when it has none. */
    backupPoolFqdn: fqdnSchema.nullable(),
  }),
  'lync.backupStatus': z.strictObject({
    poolFqdn: fqdnSchema,
    module: moduleSchema,
    exportStatus: lyncStatusText(LYNC_EXPORT_STATUSES, 'exportStatus'),
    importStatus: lyncStatusText(LYNC_IMPORT_STATUSES, 'importStatus'),
    state: progress,
  }),
  'hyperv.initiateFailback': z.strictObject({
    /** The WMI return code; null when the agent answered by re-reading state after a restart. */
    returnCode: z.number().int().min(0).max(0xffffffff).nullable(),
    meaning: shortText,
    /** The CIM_ConcreteJob to poll with hyperv.jobStatus (return code 4096). */
    jobId: guidSchema.optional(),
    /** The replication state the agent re-read (after 32775 or a restart). */
    replicationState: replicationState.optional(),
    /** On a failover cluster: the node that owned the VM and ran the call (poll its job there). */
    node: hostnameSchema.optional(),
  }),
  'hyperv.jobStatus': z.strictObject({
    jobId: guidSchema,
    jobState: z.enum(JOB_STATES),
    state: progress,
    percentComplete: z.number().int().min(0).max(100).optional(),
    errorCode: z.number().int().min(0).max(0xffffffff).optional(),
    errorDescription: shortText.optional(),
    /** On a failover cluster: the node the job was read on. */
    node: hostnameSchema.optional(),
  }),
  'hyperv.replicationState': z.strictObject({
    vm: vmRefSchema,
    vmId: guidSchema.optional(),
    replicationState,
    /** The VM's replica role, when the host reports it (InitiateFailback needs `Replica`). */
    replicationMode: z.enum(REPLICATION_MODES).optional(),
    /** On a failover cluster: the node that owns the VM's role and answered. */
    node: hostnameSchema.optional(),
  }),
  'hyperv.startTestFailover': z.strictObject({
    vm: vmRefSchema,
    testVmName: shortText,
    created: z.boolean(),
    node: hostnameSchema.optional(),
  }),
  'hyperv.stopTestFailover': z.strictObject({
    vm: vmRefSchema,
    removed: z.boolean(),
    node: hostnameSchema.optional(),
  }),
  'pchat.ensureLegacyEndpoint': z.strictObject({
    sipAddress: sipAddressSchema,
    poolFqdn: fqdnSchema,
    created: z.boolean(),
  }),
  'pchat.getLegacyEndpoint': z.strictObject({
    sipAddress: sipAddressSchema,
    exists: z.boolean(),
    poolFqdn: fqdnSchema.optional(),
    displayName: shortText.optional(),
  }),
  'agent.ping': z.strictObject({
    agentId: z.string().max(64),
    site: z.string().max(40),
    executor: z.enum(['powershell', 'simulated']),
    version: z.string().max(32),
  }),
} as const satisfies Record<CommandType, z.ZodType>;

/** The typed output of a command type. */
export type CommandOutput<T extends CommandType> = z.output<(typeof commandOutputSchemas)[T]>;

/**
 * What a command does to the site: `read` changes nothing; `changesState` changes production;
 * `testFailover` creates or removes an isolated test VM (the drill primitive: production untouched).
 */
export type CommandKind = 'read' | 'changesState' | 'testFailover';

const KINDS: Readonly<Record<CommandType, CommandKind>> = Object.freeze({
  'lync.backupSync': 'changesState',
  'lync.backupRelationship': 'read',
  'lync.backupStatus': 'read',
  'hyperv.initiateFailback': 'changesState',
  'hyperv.jobStatus': 'read',
  'hyperv.replicationState': 'read',
  'hyperv.startTestFailover': 'testFailover',
  'hyperv.stopTestFailover': 'testFailover',
  'pchat.ensureLegacyEndpoint': 'changesState',
  'pchat.getLegacyEndpoint': 'read',
  'agent.ping': 'read',
});

/** The kind of a command type. */
export function commandKind(type: CommandType): CommandKind {
  return KINDS[type];
}

/** Whether a command type changes production state. */
export function isStateChanging(type: CommandType): boolean {
  return KINDS[type] === 'changesState';
}

/** Command mode: a drill never changes production; a failover may. */
export type CommandMode = 'drill' | 'failover';

/** The drill rule: in `drill` mode, every state-changing type is refused; reads and test failovers run in both modes. */
export function isAllowedInMode(type: CommandType, mode: CommandMode): boolean {
  return mode === 'failover' || !isStateChanging(type);
}
