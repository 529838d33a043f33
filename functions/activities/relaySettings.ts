import * as df from 'durable-functions';
import { getConfig } from '../../shared/config';
import type { RelaySettings } from '../../shared/relay/contracts';
import { relaySettingsFrom } from '../../shared/relay/deps';
import { relayFunctions } from '../names/relay';

/**
 * The relay's non-secret settings (timeouts, poll interval, fan-out cap) for orchestrations, which
 * may not read configuration themselves (determinism): the answer is recorded in their history.
 */
export function relaySettings(): RelaySettings {
  return relaySettingsFrom(getConfig());
}

df.app.activity(relayFunctions.relaySettings, { handler: relaySettings });
