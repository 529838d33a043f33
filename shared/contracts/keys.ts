import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

/**
 * Ed25519 keys for the relay. A key is given either as PEM (SPKI public / PKCS#8 private) or as
 * the raw 32 bytes in base64 (public key, or private seed). Key ids name keys in envelopes so two
 * keys can be trusted during a rotation (threats-and-faults.md, "key compromise or rotation").
 */

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Trusted public keys by key id (two entries during a rotation). */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

function assertEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`${what} must be an Ed25519 key`);
  return key;
}

function rawBase64(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[\w+/-]{42,44}={0,2}$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/** Reads an Ed25519 public key from PEM or raw base64. Throws TypeError (never echoing the text) when it is neither. */
export function loadPublicKey(text: string): KeyObject {
  if (text.includes('-----BEGIN'))
    return assertEd25519(createPublicKey({ key: text, format: 'pem' }), 'public key');
  const raw = rawBase64(text);
  if (raw === undefined) throw new TypeError('public key must be PEM or the base64 of 32 raw Ed25519 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Reads an Ed25519 private key from PEM (PKCS#8) or the base64 of its 32-byte seed. */
export function loadPrivateKey(text: string): KeyObject {
  if (text.includes('-----BEGIN'))
    return assertEd25519(createPrivateKey({ key: text, format: 'pem' }), 'private key');
  const raw = rawBase64(text);
  if (raw === undefined)
    throw new TypeError('private key must be PEM or the base64 of a 32-byte Ed25519 seed');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

/** The raw 32 bytes of a public key, base64 (the compact form accepted by {@link loadPublicKey}). */
export function publicKeyToBase64(key: KeyObject): string {
  const der = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
  return der.subarray(SPKI_PREFIX.length).toString('base64');
}

/** A key id derived from the public key (`ed25519-` + 16 hex of its SHA-256), for operators who do not name keys. */
export function deriveKeyId(key: KeyObject): string {
  const raw = Buffer.from(publicKeyToBase64(key), 'base64');
  return `ed25519-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

/** Builds a trusted-key map from `keyId → PEM or base64` text. */
export function trustedKeysFrom(entries: Readonly<Record<string, string>>): TrustedKeys {
  return new Map(Object.entries(entries).map(([id, text]) => [id, loadPublicKey(text)]));
}

/** A fresh key pair in PEM, with its derived key id (tests and the local launcher; never committed). */
export function generateSigningKeyPair(): {
  keyId: string;
  publicKeyPem: string;
  privateKeyPem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
} {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    keyId: deriveKeyId(publicKey),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    privateKey,
    publicKey,
  };
}
