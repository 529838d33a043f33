import { z } from 'zod';

/**
 * Moving traffic (issue 23): what a `traffic.switch` step names, what Lifeboat reads of a routing
 * profile, and what it changes. Two providers (docs/reference/trust-and-traffic.md, "Moving traffic"):
 * - `frontDoor`: Azure Front Door Standard/Premium, one origin group of a profile; the primary and
 *   the standby are two origins of that group (so they serve the same routes: AFD routes point at
 *   origin groups). Switched by origin `enabledState` and `priority` (1-5, lower first).
 * - `trafficManager`: a Priority-routed Traffic Manager profile; the primary and the standby are
 *   two endpoints of one type. Switched by endpoint `endpointStatus`.
 */

export const TRAFFIC_PROVIDERS = ['frontDoor', 'trafficManager'] as const;
export type TrafficProvider = (typeof TRAFFIC_PROVIDERS)[number];

export const TM_ENDPOINT_TYPES = ['azureEndpoints', 'externalEndpoints', 'nestedEndpoints'] as const;

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const RG = '[-\\w._()]{1,90}';
const NAME = '[a-zA-Z0-9][-a-zA-Z0-9]{0,258}';

const profileIdSchema = (type: string, example: string) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .regex(new RegExp(`^/subscriptions/${GUID}/resourceGroups/${RG}/providers/${type}/${NAME}$`, 'i'), {
      error: `must be the profile's ARM id, e.g. ${example}`,
    });

const entryNameSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z0-9](?:[-a-z0-9]{0,88}[a-z0-9])?$/i, {
    error: 'must be 1-90 letters, digits and inner hyphens',
  });

/**
 * The public endpoint clients use (a custom domain, e.g. `https://api.contoso.com`), when it is not
 * the one Lifeboat finds itself: after a failover switch the health path is probed through it.
 * Without it: Front Door, the profile's endpoint whose route serves the origin group (its
 * `*.azurefd.net` host name); Traffic Manager, the endpoint the profile's priority routing answers
 * (shared/traffic/decide.ts `trafficManagerAnswer`).
 */
const publicEndpointSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .regex(/^https:\/\/[a-z0-9.-]+(?::\d{1,5})?\/?$/i, {
    error: 'must be an https URL of a host (and port), with no path, e.g. https://api.contoso.com',
  })
  .optional();

/** Front Door: the profile's ARM id, the origin group, and the primary's and standby's origins. */
export const frontDoorTargetSchema = z.strictObject({
  provider: z.literal('frontDoor'),
  profile: profileIdSchema(
    'Microsoft\\.Cdn/profiles',
    '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Cdn/profiles/{name}',
  ),
  originGroup: entryNameSchema,
  primary: entryNameSchema,
  standby: entryNameSchema,
  publicEndpoint: publicEndpointSchema,
});

/** Traffic Manager: the profile's ARM id, the endpoints' type, and the primary's and standby's endpoints. */
export const trafficManagerTargetSchema = z.strictObject({
  provider: z.literal('trafficManager'),
  profile: profileIdSchema(
    'Microsoft\\.Network/trafficManagerProfiles',
    '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/trafficManagerProfiles/{name}',
  ),
  endpointType: z
    .enum(TM_ENDPOINT_TYPES, { error: `must be one of ${TM_ENDPOINT_TYPES.join(', ')}` })
    .default('azureEndpoints'),
  primary: entryNameSchema,
  standby: entryNameSchema,
  publicEndpoint: publicEndpointSchema,
});

/** What a `traffic.switch` step switches (the step's params). */
export const trafficTargetSchema = z
  .discriminatedUnion('provider', [frontDoorTargetSchema, trafficManagerTargetSchema], {
    error: `provider must be one of ${TRAFFIC_PROVIDERS.join(', ')}`,
  })
  .refine((t) => t.primary.toLowerCase() !== t.standby.toLowerCase(), {
    error: 'primary and standby must be different',
    path: ['standby'],
  });
export type TrafficTarget = z.output<typeof trafficTargetSchema>;
export type FrontDoorTarget = Extract<TrafficTarget, { provider: 'frontDoor' }>;
export type TrafficTargetInput = z.input<typeof trafficTargetSchema>;

/** One origin (Front Door) or endpoint (Traffic Manager) as read. */
export const routingEntrySchema = z.object({
  name: z.string(),
  enabled: z.boolean(),
  priority: z.number().int().optional(),
  weight: z.number().int().optional(),
  /** Front Door: the origin's host name; Traffic Manager: the endpoint's `target` (FQDN or IP). */
  hostName: z.string().optional(),
  httpsPort: z.number().int().optional(),
  /** Traffic Manager `endpointMonitorStatus` (Online, Degraded, Disabled, Inactive, Stopped, CheckingEndpoint). */
  monitorStatus: z.string().optional(),
  /** Front Door `provisioningState` (Succeeded, Updating, ...). */
  provisioningState: z.string().optional(),
  /** Front Door `deploymentStatus` (NotStarted, InProgress, Succeeded, Failed): whether a change reached the edge. */
  deploymentStatus: z.string().optional(),
});
export type RoutingEntry = z.infer<typeof routingEntrySchema>;

/** A profile's routing as read: every origin of the group, or every endpoint of the type. */
export const routingSnapshotSchema = z.object({
  provider: z.enum(TRAFFIC_PROVIDERS),
  profile: z.string(),
  /** Front Door: the origin group; Traffic Manager: the endpoint type. */
  group: z.string(),
  entries: z.array(routingEntrySchema),
  readAt: z.string(),
});
export type RoutingSnapshot = z.infer<typeof routingSnapshotSchema>;

/** One change to one origin or endpoint (only the fields that change). */
export const routingChangeSchema = z.object({
  entry: z.string(),
  enabled: z.boolean().optional(),
  priority: z.number().int().optional(),
});
export type RoutingChange = z.infer<typeof routingChangeSchema>;

/**
 * The record written BEFORE a switch is made (issue 23: "what was there"), one per run and step:
 * the routing as read and the changes about to be sent. The cleanup of a cancelled or failed plan
 * puts `before` back. Written once: a retried switch keeps the first record.
 */
export const switchRecordSchema = z.object({
  runId: z.string(),
  stepId: z.string(),
  target: trafficTargetSchema,
  before: routingSnapshotSchema,
  changes: z.array(routingChangeSchema),
  recordedAt: z.string(),
});
export type SwitchRecord = z.infer<typeof switchRecordSchema>;

// ------------------------------------------------------------------------------------------------
// Activity contracts

export const readTrafficRoutingInput = z.object({ target: trafficTargetSchema });

export const switchTrafficInput = z.object({
  runId: z.string().min(1).max(200),
  stepId: z.string().min(1).max(40),
  target: trafficTargetSchema,
});
/** What `switchTraffic` did: the record (before, changes) it made first, and the changes it sent. */
export interface SwitchTrafficOutput {
  record: SwitchRecord;
  sent: RoutingChange[];
}

export const restoreTrafficRoutingInput = z.object({
  runId: z.string().min(1).max(200),
  stepId: z.string().min(1).max(40),
});
/** What the cleanup did: nothing recorded (nothing was switched), or the changes it sent to put `before` back. */
export interface RestoreTrafficRoutingOutput {
  recorded: boolean;
  sent: RoutingChange[];
  /** The routing to wait for (the recorded `before`), when there was a record. */
  record?: SwitchRecord;
  /** How to wait for the put-back (configuration: a cleanup's caller has none). */
  pollMs: number;
  applyTimeoutMs: number;
}

/**
 * A probe of the health path: `origin` GETs one origin's (endpoint's) gateway directly (a drill:
 * is the standby healthy?); `public` GETs it through the public endpoint clients use (after a
 * failover switch: does the service answer through the standby?).
 */
export const probeTrafficEntryInput = z.object({
  target: trafficTargetSchema,
  via: z.enum(['origin', 'public']).default('origin'),
  /** The origin's host (and port) to probe (`via: origin`); read from the routing. */
  hostName: z.string().min(1).optional(),
  httpsPort: z.number().int().min(1).max(65535).optional(),
});
export interface ProbeTrafficEntryOutput {
  ok: boolean;
  httpStatus: number;
  url: string;
  /**
   * How the URL was reached: `origin` (the gateway itself), `publicEndpoint` (the step's
   * `publicEndpoint`), `frontDoorEndpoint` (the profile's endpoint routing the origin group) or
   * `trafficManagerAnswer` (the endpoint the profile's DNS answers). Absent: `origin` (older runs).
   */
  via?: 'origin' | 'publicEndpoint' | 'frontDoorEndpoint' | 'trafficManagerAnswer';
  /** Traffic Manager: the endpoint its DNS answers now (must be the standby after a failover). */
  answeredBy?: string;
}

/** The `trafficSwitch` orchestration: a failover, a drill (read only) or a put-back (a cleanup). */
export const trafficSwitchInputSchema = z.object({
  runId: z.string().min(1).max(200),
  stepId: z.string().min(1).max(40),
  action: z.enum(['failover', 'drill', 'putBack']),
  target: trafficTargetSchema,
  /** Between reads while waiting for a change to be applied (a put-back takes it from `restoreTrafficRouting`). */
  pollMs: z.number().int().min(0).default(15_000),
  /** How long to wait for a change to be applied before the switch ends `timedOut`. */
  applyTimeoutMs: z
    .number()
    .int()
    .min(1000)
    .default(30 * 60_000),
});
export type TrafficSwitchInput = z.input<typeof trafficSwitchInputSchema>;

/** What a `trafficSwitch` did, for the step's verdict and the report (before and after). */
export interface TrafficSwitchResult {
  outcome: 'succeeded' | 'failed' | 'refused' | 'timedOut' | 'partial';
  error?: { code: string; message: string };
  action: 'failover' | 'drill' | 'putBack';
  target: TrafficTarget;
  before?: RoutingSnapshot;
  after?: RoutingSnapshot;
  changes: RoutingChange[];
  /** Drill findings (what would stop a failover), empty when none. */
  findings: string[];
  health?: ProbeTrafficEntryOutput;
  polls: number;
}
