import type { KeyObject } from 'node:crypto';
import { deriveKeyId, loadPrivateKey, loadPublicKey, type TrustedKeys } from '../contracts';
import { NonRetryableError } from '../errors';

/** The relay section of the configuration, as far as keys go. */
export interface RelayKeyConfig {
  /** Secret. */
  readonly signingKey: string | undefined;
  readonly signingKeyId: string | undefined;
  readonly agentKeys: readonly {
    readonly keyId: string;
    readonly agentId: string;
    /** The one site this key may answer for (required: a key without a site could answer for any). */
    readonly site: string;
    readonly publicKey: string;
  }[];
}

/** Who an agent key speaks for. */
export interface AgentKeyOwner {
  readonly agentId: string;
  readonly site: string;
}

/** Keys ready for signing and verifying. */
export interface RelayKeys {
  /** The app's command-signing key: never logged, never leaves the activity that signs. */
  readonly signing: { readonly key: KeyObject; readonly keyId: string } | undefined;
  readonly agentKeys: TrustedKeys;
  readonly owners: ReadonlyMap<string, AgentKeyOwner>;
}

const cache = new WeakMap<RelayKeyConfig, RelayKeys>();

/**
 * Loads the relay keys from configuration (cached per configuration object). Errors name the
 * setting and the key id, never the key text.
 */
export function relayKeys(config: RelayKeyConfig): RelayKeys {
  const cached = cache.get(config);
  if (cached !== undefined) return cached;
  let signing: RelayKeys['signing'];
  if (config.signingKey !== undefined) {
    let key: KeyObject;
    try {
      key = loadPrivateKey(config.signingKey);
    } catch {
      throw new NonRetryableError(
        'LIFEBOAT_RELAY_SIGNING_KEY: must be an Ed25519 private key (PKCS#8 PEM or base64 of a 32-byte seed)',
        { code: 'InvalidConfiguration' },
      );
    }
    signing = { key, keyId: config.signingKeyId ?? deriveKeyId(key) };
  }
  const agentKeys = new Map<string, KeyObject>();
  const owners = new Map<string, AgentKeyOwner>();
  for (const k of config.agentKeys) {
    // The configuration schema requires it; checked again for callers that build the config themselves.
    if (typeof (k as { site?: unknown }).site !== 'string' || k.site === '')
      throw new NonRetryableError(
        `LIFEBOAT_RELAY_AGENT_KEYS: key ${k.keyId}: site is required (the one site this agent key may answer for)`,
        { code: 'InvalidConfiguration' },
      );
    try {
      agentKeys.set(k.keyId, loadPublicKey(k.publicKey));
    } catch {
      throw new NonRetryableError(
        `LIFEBOAT_RELAY_AGENT_KEYS: key ${k.keyId}: publicKey must be an Ed25519 public key (PEM or base64 of 32 bytes)`,
        { code: 'InvalidConfiguration' },
      );
    }
    owners.set(k.keyId, { agentId: k.agentId, site: k.site });
  }
  const keys: RelayKeys = { signing, agentKeys, owners };
  cache.set(config, keys);
  return keys;
}
