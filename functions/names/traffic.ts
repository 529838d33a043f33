import type {
  ProbeTrafficEntryOutput,
  RestoreTrafficRoutingOutput,
  RoutingSnapshot,
  SwitchTrafficOutput,
  TrafficSwitchInput,
  TrafficSwitchResult,
  TrafficTargetInput,
} from '../../shared/traffic/contracts';
import { activityRef, orchestrationRef } from './refs';

/**
 * Moving traffic (issue 23): the `traffic.switch` plan step's flow and its activities. Type
 * imports only.
 */
export const traffic = {
  /** A failover switch, a drill's read-only check, or a cleanup's put-back. */
  trafficSwitch: orchestrationRef<TrafficSwitchInput, TrafficSwitchResult>('trafficSwitch'),
  readTrafficRouting: activityRef<{ target: TrafficTargetInput }, RoutingSnapshot>('readTrafficRouting'),
  switchTraffic: activityRef<
    { runId: string; stepId: string; target: TrafficTargetInput },
    SwitchTrafficOutput
  >('switchTraffic'),
  restoreTrafficRouting: activityRef<{ runId: string; stepId: string }, RestoreTrafficRoutingOutput>(
    'restoreTrafficRouting',
  ),
  probeTrafficEntry: activityRef<
    { target: TrafficTargetInput; via?: 'origin' | 'public'; hostName?: string; httpsPort?: number },
    ProbeTrafficEntryOutput
  >('probeTrafficEntry'),
} as const;
