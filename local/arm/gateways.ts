import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { EmulatorContext, Gateway } from './context';
import { renderServiceResource, serviceKey, serviceKeyOf, type EmulatedService } from './model';
import { listen } from './respond';
import type { ArmGateways } from './types';

/** The documented gateway health probe path (docs/reference/recovery.md). */
export const GATEWAY_HEALTH_PATH = '/status-0123456789abcdef';

/** The service resource JSON a GET returns (with its gateway URL once the gateway listens). */
export function renderService(ctx: EmulatorContext, s: EmulatedService): Record<string, unknown> {
  const url = ctx.gateways.get(serviceKey(s))?.url;
  return renderServiceResource(s, url === undefined ? {} : { gatewayUrl: url });
}

/** One HTTPS gateway per service on 127.0.0.1, port 0, with the emulator's certificate. */
export function startGateway(ctx: EmulatorContext, key: string): void {
  if (ctx.gateways.has(key)) return;
  const gateway: Gateway = {
    server: https.createServer({ key: ctx.tls.keyPem, cert: ctx.tls.certPem }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === GATEWAY_HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
        gateway.probes++;
        res.writeHead(gateway.healthy ? 200 : 503, { 'content-length': '0' });
        res.end();
        return;
      }
      // The gateway's answer for an operation it does not know.
      const text = JSON.stringify({ statusCode: 404, message: 'Resource not found' });
      res.writeHead(404, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
      });
      res.end(text);
    }),
    ready: Promise.resolve(''),
    url: undefined,
    healthy: true,
    probes: 0,
  };
  gateway.ready = listen(gateway.server).then(() => {
    gateway.url = `https://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
    return gateway.url;
  });
  // A failed listen surfaces through url() and the next ARM request; never unhandled here.
  gateway.ready.catch(() => undefined);
  ctx.gateways.set(key, gateway);
}

/** The scripting API of the gateways. */
export function createGatewaysApi(ctx: EmulatorContext): ArmGateways {
  const mustGateway = (resourceId: string) => {
    const g = ctx.gateways.get(serviceKeyOf(resourceId));
    if (!g) throw new RangeError(`no emulated service ${resourceId}`);
    return g;
  };
  return {
    url: (resourceId) => mustGateway(resourceId).ready,
    setHealthy(resourceId, healthy) {
      mustGateway(resourceId).healthy = healthy;
    },
    probes: (resourceId) => mustGateway(resourceId).probes,
  };
}
