import http from 'node:http';
import { send } from './respond';

/**
 * The App Service managed identity endpoint (`GET /msi/token` with `X-IDENTITY-HEADER`), plain
 * http as on App Service; it issues the token ARM accepts (see local/arm/README.md).
 */
export function createIdentityServer(token: string, identityHeader: string): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.headers['x-identity-header'] !== identityHeader) {
      send(res, 401, {
        error: 'invalid_request',
        error_description: 'X-IDENTITY-HEADER is missing or wrong.',
      });
      return;
    }
    const resource = url.searchParams.get('resource');
    if (!resource) {
      send(res, 400, { error: 'invalid_request', error_description: 'resource is required.' });
      return;
    }
    // Token lifetime uses the wall clock: the SDK's token cache does, whatever the emulator's clock.
    const expiresOn = Math.floor(Date.now() / 1000) + 24 * 3600;
    send(res, 200, {
      access_token: token,
      expires_on: String(expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: '00000000-0000-0000-0000-0000000000aa',
    });
  });
}
