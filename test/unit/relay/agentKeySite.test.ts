import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';
import { generateSigningKeyPair } from '../../../shared/contracts';
import { relayKeys, type RelayKeyConfig } from '../../../shared/relay/keys';

/** Issue 13 item 4: every trusted agent key names the site it answers for. */

const agent = generateSigningKeyPair();

describe('agent keys name their site', () => {
  it('refuses a key without a site at configuration load, naming the key id', () => {
    const load = () =>
      loadConfig({
        LIFEBOAT_RELAY_AGENT_KEYS: JSON.stringify({
          'agent-a-1': { agentId: 'agent-a', site: 'site-a', publicKey: agent.publicKeyPem },
          'agent-b-1': { agentId: 'agent-b', publicKey: agent.publicKeyPem },
        }),
      });
    expect(load).toThrow(/LIFEBOAT_RELAY_AGENT_KEYS \(at agent-b-1\.site\): is required/);
    expect(load).not.toThrow(/agent-a-1/);
  });

  it('refuses a key configuration without a site when the keys are loaded, naming the key id', () => {
    const config = {
      signingKey: undefined,
      signingKeyId: undefined,
      agentKeys: [{ keyId: 'agent-b-1', agentId: 'agent-b', publicKey: agent.publicKeyPem }],
    } as unknown as RelayKeyConfig;
    expect(() => relayKeys(config)).toThrow(/LIFEBOAT_RELAY_AGENT_KEYS: key agent-b-1: site is required/);
  });

  it('keeps the site of each key as its owner', () => {
    const c = loadConfig({
      LIFEBOAT_RELAY_AGENT_KEYS: JSON.stringify({
        'agent-a-1': { agentId: 'agent-a', site: 'site-a', publicKey: agent.publicKeyPem },
      }),
    });
    expect(relayKeys(c.relay).owners.get('agent-a-1')).toEqual({ agentId: 'agent-a', site: 'site-a' });
  });
});
