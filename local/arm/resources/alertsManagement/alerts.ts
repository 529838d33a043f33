import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../clock';
import type { EmulatorContext } from '../../context';
import { send, sendError } from '../../respond';
import type { ArmRoute } from '../../route';

/**
 * `Microsoft.AlertsManagement/alerts/{alertId}` ("Alerts - Get By Id", the Alerts Management API;
 * ../../../../shared/reference/trust-and-traffic.md, "Which alerts are real"): the alert instances
 * Azure Monitor holds, which Lifeboat reads before an alert starts or cancels anything. The common
 * alert schema's `essentials.alertId` is this resource's id. The answer's shape follows the
 * documented sample (`{ properties: { essentials, context, egressConfig }, id, type, name }`);
 * where the documentation leaves a detail open (which essentials a given monitor service fills,
 * whether `alertRule` is a name or an ARM id: "depending on the monitor service") the emulator
 * fills them all and gives `alertRule` as the caller set it, so clients must be tolerant.
 * Alerts are subscription-scoped here (`/subscriptions/{sub}/providers/...`), as `alertId`s are.
 */

/** What a test or the launcher sets: an alert as Azure Monitor raised it. */
export interface AlertSpec {
  /** The alert's ARM id (`/subscriptions/{sub}/providers/Microsoft.AlertsManagement/alerts/{name}`) or its name (a GUID when omitted). */
  id?: string;
  /** Subscription when `id` is a bare name or omitted (default: the zero GUID). */
  subscriptionId?: string;
  /** The rule: a name or an ARM id, as the monitor service gives it. */
  alertRule: string;
  severity?: 'Sev0' | 'Sev1' | 'Sev2' | 'Sev3' | 'Sev4';
  signalType?: string;
  monitorService?: string;
  /** The target resource id (Azure lower-cases it; so does the emulator). */
  targetResource?: string;
  /** Default: the clock's now. */
  startDateTime?: string;
  monitorCondition?: 'Fired' | 'Resolved';
  description?: string;
}

/** An emulated alert instance. */
export interface EmulatedAlert {
  id: string;
  name: string;
  subscriptionId: string;
  alertRule: string;
  severity: string;
  signalType: string;
  monitorService: string;
  targetResource: string | undefined;
  startDateTime: string;
  lastModifiedDateTime: string;
  monitorCondition: 'Fired' | 'Resolved';
  monitorConditionResolvedDateTime: string | undefined;
  alertState: 'New' | 'Acknowledged' | 'Closed';
  description: string | undefined;
}

/** Scripting interface of the alert instances. */
export interface ArmAlerts {
  /** Raises (or replaces) an alert as Azure Monitor would; returns its ARM id. */
  fire(spec: AlertSpec): string;
  /** The monitor condition clears: Resolved, with its resolved time (the clock's now by default). */
  resolve(id: string, at?: string): void;
  /** Deletes the alert (GET then answers 404). */
  remove(id: string): void;
  get(id: string): EmulatedAlert | undefined;
  list(): EmulatedAlert[];
}

const ALERT_PATH =
  /^\/subscriptions\/(?<subscriptionId>[^/]+)\/providers\/Microsoft\.AlertsManagement\/alerts\/(?<alert>[^/]+)\/?$/i;

/** The map key of an alert: its id, case-folded (ARM ids are case-insensitive). */
export const alertKey = (id: string) => id.trim().replace(/\/+$/, '').toLowerCase();

const ZERO_SUB = '00000000-0000-0000-0000-000000000000';

function idOf(spec: AlertSpec): { id: string; name: string; subscriptionId: string } {
  const raw = spec.id ?? randomUUID();
  const m = ALERT_PATH.exec(raw);
  if (m?.groups !== undefined)
    return { id: raw, name: m.groups['alert'] ?? '', subscriptionId: m.groups['subscriptionId'] ?? '' };
  if (raw.includes('/')) throw new RangeError(`not an alert id: ${raw}`);
  const sub = spec.subscriptionId ?? ZERO_SUB;
  return {
    id: `/subscriptions/${sub}/providers/Microsoft.AlertsManagement/alerts/${raw}`,
    name: raw,
    subscriptionId: sub,
  };
}

/** The scripting API over the context's alert store. */
export function createAlertsApi(alerts: Map<string, EmulatedAlert>, clock: Clock): ArmAlerts {
  const must = (id: string) => {
    const a = alerts.get(alertKey(id));
    if (a === undefined) throw new RangeError(`no emulated alert ${id}`);
    return a;
  };
  return {
    fire(spec) {
      const { id, name, subscriptionId } = idOf(spec);
      const now = clock.now().toISOString();
      const condition = spec.monitorCondition ?? 'Fired';
      alerts.set(alertKey(id), {
        id,
        name,
        subscriptionId,
        alertRule: spec.alertRule,
        severity: spec.severity ?? 'Sev3',
        signalType: spec.signalType ?? 'Metric',
        monitorService: spec.monitorService ?? 'Platform',
        targetResource: spec.targetResource?.toLowerCase(),
        startDateTime: spec.startDateTime ?? now,
        lastModifiedDateTime: now,
        monitorCondition: condition,
        monitorConditionResolvedDateTime: condition === 'Resolved' ? now : undefined,
        alertState: 'New',
        description: spec.description,
      });
      return id;
    },
    resolve(id, at) {
      const a = must(id);
      const when = at ?? clock.now().toISOString();
      a.monitorCondition = 'Resolved';
      a.monitorConditionResolvedDateTime = when;
      a.lastModifiedDateTime = when;
    },
    remove(id) {
      alerts.delete(alertKey(id));
    },
    get: (id) => {
      const a = alerts.get(alertKey(id));
      return a === undefined ? undefined : { ...a };
    },
    list: () => [...alerts.values()].map((a) => ({ ...a })),
  };
}

/** The `Alert` resource a GET returns. */
export function renderAlert(a: EmulatedAlert): Record<string, unknown> {
  const target = a.targetResource;
  const parts = target?.split('/') ?? [];
  const rgAt = parts.findIndex((p) => p === 'resourcegroups');
  return {
    properties: {
      essentials: {
        severity: a.severity,
        signalType: a.signalType,
        alertState: a.alertState,
        monitorCondition: a.monitorCondition,
        monitorService: a.monitorService,
        ...(target === undefined
          ? {}
          : {
              targetResource: target,
              targetResourceName: parts[parts.length - 1],
              targetResourceGroup: rgAt < 0 ? undefined : parts[rgAt + 1],
              targetResourceType: parts[parts.length - 2],
            }),
        sourceCreatedId: a.name,
        alertRule: a.alertRule,
        startDateTime: a.startDateTime,
        lastModifiedDateTime: a.lastModifiedDateTime,
        ...(a.monitorConditionResolvedDateTime === undefined
          ? {}
          : { monitorConditionResolvedDateTime: a.monitorConditionResolvedDateTime }),
        lastModifiedUserName: 'System',
        actionStatus: { isSuppressed: false },
        ...(a.description === undefined ? {} : { description: a.description }),
      },
      context: {},
      egressConfig: {},
    },
    id: a.id,
    type: 'Microsoft.AlertsManagement/alerts',
    name: a.name,
  };
}

/** GET an alert by id. */
export const alertsManagementAlert: ArmRoute = {
  name: 'alertsManagement alert',
  pattern: ALERT_PATH,
  method: 'GET',
  wrongMethod: (method) => `The emulator serves only GET on an alert, not ${method}.`,
  handle(ctx: EmulatorContext, request) {
    const { subscriptionId, alert = '' } = request.params;
    const a = ctx.alerts.get(
      alertKey(`/subscriptions/${subscriptionId}/providers/Microsoft.AlertsManagement/alerts/${alert}`),
    );
    if (a === undefined)
      sendError(request.res, {
        status: 404,
        code: 'ResourceNotFound',
        message: `The alert '${alert}' was not found.`,
      });
    else send(request.res, 200, renderAlert(a));
    return Promise.resolve();
  },
};
