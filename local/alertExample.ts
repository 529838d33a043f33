import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArmEmulator } from './arm/emulator';
import type { Clock } from './clock';

/**
 * `npm start`'s alert example (issue 20): Azure Monitor raises the alert first (in the ARM
 * emulator's Alerts Management API), then the example payload (the common alert schema, as an
 * action group posts it) is written next to the emulator's CA so a person can POST it. Lifeboat
 * reads the alert back from ARM before it acts: a payload posted without its alert in the
 * emulator is recorded `unverified` and starts nothing.
 */
export async function writeAlertExample(
  arm: ArmEmulator,
  clock: Clock,
  options: { dir: string; subscriptionId: string; rule: string; targetResource: string },
): Promise<{ file: string; alertId: string }> {
  const firedDateTime = clock.now().toISOString();
  const alertId = arm.alerts.fire({
    id: `/subscriptions/${options.subscriptionId}/providers/Microsoft.AlertsManagement/alerts/${randomUUID()}`,
    alertRule: options.rule,
    severity: 'Sev1',
    signalType: 'Metric',
    monitorService: 'Platform',
    targetResource: options.targetResource,
    startDateTime: firedDateTime,
    description: `${options.rule}: the primary API Management service answers no requests`,
  });
  const payload = {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId,
        alertRule: options.rule,
        severity: 'Sev1',
        signalType: 'Metric',
        monitorCondition: 'Fired',
        monitoringService: 'Platform',
        alertTargetIDs: [options.targetResource],
        firedDateTime,
        description: `${options.rule}: the primary API Management service answers no requests`,
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
      },
      alertContext: {},
    },
  };
  const file = path.join(options.dir, 'alert-example.json');
  await writeFile(file, JSON.stringify(payload, null, 2));
  return { file, alertId };
}
