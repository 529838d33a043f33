import type {
  CloseAgentCommandInput,
  CloseAgentCommandOutput,
  RelaySettings,
  RunAgentCommandInput,
  RunAgentCommandOutcome,
  SendAgentCommandInput,
  SendAgentCommandOutput,
} from '../../shared/relay/contracts';
import { activityRef, orchestrationRef } from './refs';

/**
 * The relay's functions (the signed transport to on-premises agents), each named once with its
 * input and output types. Type imports only. Test helpers load the area's files from this table.
 */
export const relay = {
  sendAgentCommand: activityRef<SendAgentCommandInput, SendAgentCommandOutput>('sendAgentCommand'),
  closeAgentCommand: activityRef<CloseAgentCommandInput, CloseAgentCommandOutput>('closeAgentCommand'),
  relaySettings: activityRef<Record<string, never>, RelaySettings>('relaySettings'),
  agentResults: 'agentResults',
  runAgentCommand: orchestrationRef<RunAgentCommandInput, RunAgentCommandOutcome>('runAgentCommand'),
} as const;

/** The queue agents answer on (the agent's `queue.resultsQueue` default). A literal, so the trigger needs no setting to register. */
export const AGENT_RESULTS_QUEUE = 'agent-results';
