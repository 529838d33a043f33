import { activity } from '../kit';
import { relay } from '../names/relay';

/**
 * The relay's non-secret settings (timeouts, poll interval, fan-out cap) for orchestrations, which
 * may not read configuration themselves (determinism): the answer is recorded in their history.
 */
activity(relay.relaySettings, {
  input: async () => (await import('../../shared/steps/inputs')).noInput,
  handler: async () => {
    const { getConfig } = await import('../../shared/config');
    const { relaySettingsFrom } = await import('../../shared/relay/deps');
    return relaySettingsFrom(getConfig());
  },
});
