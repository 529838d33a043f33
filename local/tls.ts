import { generate } from 'selfsigned';

/** A TLS identity made at start-up; the key lives only in memory (no committed private keys). */
export interface LocalTlsIdentity {
  /** PEM certificate; clients trust it as their CA (`tlsOptions.ca`, `NODE_EXTRA_CA_CERTS`). */
  certPem: string;
  /** PEM private key. Never written to disk or logged. */
  keyPem: string;
}

/**
 * Generates a self-signed certificate for 127.0.0.1 and localhost, valid from yesterday (clock
 * skew) for `days` days. EC P-256 keeps generation fast on a small machine.
 */
export async function createSelfSignedTls(
  options: { commonName?: string; days?: number } = {},
): Promise<LocalTlsIdentity> {
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: options.commonName ?? 'lifeboat-local' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 86_400_000),
    notAfterDate: new Date(now + (options.days ?? 30) * 86_400_000),
    extensions: [
      // A self-signed leaf used as its own trust anchor: mark it as a CA so Node accepts it in `ca`.
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}
