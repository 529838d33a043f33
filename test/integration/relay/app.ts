/** The relay functions only (other areas' functions need settings these tests do not give). */
export const relayApp = async (): Promise<void> => {
  await Promise.all([
    import('../../../functions/activities/sendAgentCommand'),
    import('../../../functions/activities/closeAgentCommand'),
    import('../../../functions/activities/relaySettings'),
    import('../../../functions/queues/agentResults'),
    import('../../../functions/orchestrations/runAgentCommand'),
    import('../../../functions/orchestrations/lyncConferenceRestore'),
    import('../../../functions/orchestrations/failbackVm'),
    import('../../../functions/orchestrations/vmFailback'),
  ]);
};
