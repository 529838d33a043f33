import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { TransientError } from '../errors';

/**
 * One HTTPS GET of a health path, answering the status code (the body is drained and dropped).
 * Used by the restore's gateway check and the traffic switch's probe, so both check a gateway the
 * same way. `caFile`: an extra CA (the local stack's self-signed certificates). A network failure or
 * timeout is a TransientError with `unreachable.code`, its message naming `unreachable.what`.
 */
export function probeHealth(
  url: URL,
  options: { timeoutMs: number; caFile?: string | undefined; unreachable: { what: string; code: string } },
): Promise<number> {
  const ca = options.caFile === undefined ? undefined : readFileSync(options.caFile, 'utf8');
  return new Promise<number>((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: 'GET', timeout: options.timeoutMs, ...(ca === undefined ? {} : { ca }) },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) =>
      reject(
        new TransientError(`${options.unreachable.what} failed (${error.message})`, {
          code: options.unreachable.code,
        }),
      ),
    );
    req.end();
  });
}
