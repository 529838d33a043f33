/**
 * Names of the relay functions, declared once and used at every registration and call site.
 * No registrations here, so orchestrations may import it without pulling in I/O.
 */
export const relayFunctions = {
  sendAgentCommand: 'sendAgentCommand',
  closeAgentCommand: 'closeAgentCommand',
  relaySettings: 'relaySettings',
  agentResults: 'agentResults',
  runAgentCommand: 'runAgentCommand',
  lyncConferenceRestore: 'lyncConferenceRestore',
  vmFailback: 'vmFailback',
  failbackVm: 'failbackVm',
} as const;

/** The queue agents answer on (the agent's `queue.resultsQueue` default). A literal, so the trigger needs no setting to register. */
export const AGENT_RESULTS_QUEUE = 'agent-results';
