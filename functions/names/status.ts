import type { AgentHeartbeatSiteInput, AgentHeartbeatSiteResult } from '../../shared/status/heartbeatRun';
import type { RecordHeartbeatInput, RecordHeartbeatOutput } from '../../shared/status/heartbeats';
import { activityRef, orchestrationRef } from './refs';

/**
 * The status area (issue 12): the status page (JSON and HTML) and agent heartbeats, each named
 * once with its types. Type imports only. Test helpers load the area's files from this table.
 */
export const status = {
  getStatus: 'getStatus',
  getStatusPage: 'getStatusPage',
  /** The heartbeat timer (%LIFEBOAT_HEARTBEAT_SCHEDULE%): one `agentHeartbeatSite` per configured site. */
  agentHeartbeat: 'agentHeartbeat',
  agentHeartbeatSite: orchestrationRef<AgentHeartbeatSiteInput, AgentHeartbeatSiteResult>(
    'agentHeartbeatSite',
  ),
  recordHeartbeat: activityRef<RecordHeartbeatInput, RecordHeartbeatOutput>('recordHeartbeat'),
} as const;
