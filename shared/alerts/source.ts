import { z } from 'zod';

/**
 * Azure Monitor as the truth about an alert (issue 20): an alert delivery is a doorbell, and
 * before it starts or cancels anything Lifeboat reads the alert instance from the Alerts
 * Management API ("Alerts - Get By Id"; ../reference: trust-and-traffic.md, "Which alerts are
 * real"). This is the port; ./armSource.ts is the ARM implementation, unit tests pass a fake.
 */

/** The Alerts Management API version read ("Alerts - Get By Id"). */
export const ALERTS_API_VERSION = '2023-07-12-preview';

/** `essentials` of an alert instance as Lifeboat reads it: tolerant (Azure adds fields; monitor services fill different ones). */
export const azureEssentialsSchema = z.looseObject({
  severity: z.string().max(10).optional(),
  signalType: z.string().max(100).optional(),
  alertState: z.string().max(40).optional(),
  monitorCondition: z.enum(['Fired', 'Resolved']),
  monitorService: z.string().max(200).optional(),
  targetResource: z.string().max(2048).optional(),
  targetResourceType: z.string().max(400).optional(),
  targetResourceGroup: z.string().max(200).optional(),
  /** A rule name or its ARM id, "depending on the monitor service". */
  alertRule: z.string().min(1).max(2048),
  startDateTime: z.string().max(40).optional(),
  lastModifiedDateTime: z.string().max(40).optional(),
  monitorConditionResolvedDateTime: z.string().max(40).optional(),
});

/** The `Alert` resource (`{ id, type, name, properties: { essentials, context } }`). */
export const azureAlertSchema = z.looseObject({
  id: z.string().max(2048),
  type: z.string().max(200).optional(),
  name: z.string().max(200).optional(),
  properties: z.looseObject({ essentials: azureEssentialsSchema }),
});

/** What Azure says about an alert. */
export interface AzureAlert {
  id: string;
  monitorCondition: 'Fired' | 'Resolved';
  /** As Azure gives it (a name or an ARM id). */
  alertRule: string;
  severity?: string;
  signalType?: string;
  targetResource?: string;
  startDateTime?: string;
  resolvedDateTime?: string;
}

/** The answer of a read: the alert, or why it could not be read (never retried: recorded `unverified`). */
export type AlertRead =
  { kind: 'found'; alert: AzureAlert } | { kind: 'notFound' } | { kind: 'unreadable'; reason: string };

/** Reads alert instances from Azure Monitor. Throws a TransientError when retrying may help (5xx, 429, network). */
export interface AlertsSource {
  read(alertId: string): Promise<AlertRead>;
}

/** The ARM id of an alert instance: `/subscriptions/{guid}/providers/Microsoft.AlertsManagement/alerts/{name}`. */
export const ALERT_ID_PATTERN =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/providers\/Microsoft\.AlertsManagement\/alerts\/[\w.-]{1,200}$/i;

/** An ARM answer body as an {@link AzureAlert}, or why it is not one. */
export function toAzureAlert(body: unknown): { alert: AzureAlert } | { problem: string } {
  const parsed = azureAlertSchema.safeParse(body);
  if (!parsed.success)
    return {
      problem: `the Alerts Management answer is not an alert (${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; ')})`,
    };
  const e = parsed.data.properties.essentials;
  return {
    alert: {
      id: parsed.data.id,
      monitorCondition: e.monitorCondition,
      alertRule: e.alertRule,
      ...(e.severity === undefined ? {} : { severity: e.severity }),
      ...(e.signalType === undefined ? {} : { signalType: e.signalType }),
      ...(e.targetResource === undefined ? {} : { targetResource: e.targetResource }),
      ...(e.startDateTime === undefined ? {} : { startDateTime: e.startDateTime }),
      ...(e.monitorConditionResolvedDateTime === undefined
        ? {}
        : { resolvedDateTime: e.monitorConditionResolvedDateTime }),
    },
  };
}
