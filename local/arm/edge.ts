import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock';
import type { LocalTlsIdentity } from '../tls';
import { close, listen } from './respond';

/**
 * The data path of an emulated Front Door endpoint (issue 23): an HTTPS server on 127.0.0.1 that
 * stands for the endpoint's edge (`{endpoint}-{hash}.z01.azurefd.net` in Azure) and forwards each
 * request to the origin Front Door would pick, so a probe of the public endpoint reaches the origin
 * that is enabled and preferred, as a client's request would.
 *
 * What is emulated, and what is not (Front Door's routing: "Traffic routing methods to origin",
 * learn.microsoft.com/azure/frontdoor/routing-methods):
 * - the edge routes with the configuration that has REACHED it: an origin change counts once its
 *   deployment succeeded (`deploymentStatus: Succeeded`, on the emulator's clock), not when the
 *   PATCH was accepted;
 * - among the enabled origins of the route's origin group, the lowest `priority` value wins; among
 *   equal priorities Azure spreads by `weight` (and latency): here the highest weight, then the
 *   first by name, so tests are deterministic;
 * - the first route one of whose `patternsToMatch` matches the path (`/*`, `/prefix/*` or the path
 *   itself, case-insensitive) picks the origin group; no route matches: 404 (inferred). Azure
 *   prefers the most specific pattern; the emulator takes the first match;
 * - the origin group's health probes are NOT emulated (an unhealthy origin still gets traffic),
 *   nor rule sets, caching or custom domains;
 * - no enabled origin: 503 (inferred; Azure answers with its own error page);
 * - the request goes to `https://{hostName}:{httpsPort}` with `Host: {originHostHeader}`; the
 *   answer gains an `X-Azure-Ref` header, as Front Door's do.
 */

/** What an origin looks like to the edge (the deployed configuration and where it is). */
export interface EdgeOrigin {
  name: string;
  hostName: string;
  httpsPort: number;
  originHostHeader: string;
  /** The configuration at the edge (the last deployed one). */
  edge: { enabledState: 'Enabled' | 'Disabled'; priority: number; weight: number };
}

/** The origin the edge sends a request to, or undefined when none is enabled (pure). */
export function pickOrigin<O extends EdgeOrigin>(origins: Iterable<O>): O | undefined {
  let best: O | undefined;
  for (const o of origins) {
    if (o.edge.enabledState !== 'Enabled') continue;
    if (
      best === undefined ||
      o.edge.priority < best.edge.priority ||
      (o.edge.priority === best.edge.priority &&
        (o.edge.weight > best.edge.weight ||
          (o.edge.weight === best.edge.weight && o.name.toLowerCase() < best.name.toLowerCase())))
    )
      best = o;
  }
  return best;
}

/** Whether a route pattern matches a path: `/*` everything, `/x/*` a prefix, else the path itself. */
export function edgePatternMatches(pattern: string, path: string): boolean {
  const p = pattern.toLowerCase();
  const x = path.toLowerCase();
  return p.endsWith('*') ? x.startsWith(p.slice(0, -1)) : p === x;
}

/** One request the edge served: the path, the origin it went to (none: no enabled origin) and the status. */
export interface EdgeRequest {
  at: string;
  method: string;
  path: string;
  origin: string | undefined;
  status: number;
}

/** A running edge: its `host:port` once it listens, its request log, and how to stop it. */
export interface Edge {
  ready: Promise<string>;
  host: string | undefined;
  log: EdgeRequest[];
  stop(): Promise<void>;
}

/**
 * Starts an edge server for one endpoint. `origins(path)` answers the origin group the path routes
 * to, as the edge sees it at the moment of the request (the caller settles deployments due first).
 */
export function startEdge(options: {
  tls: LocalTlsIdentity;
  clock: Clock;
  /** The origin group a path routes to (undefined: no route matches it). */
  origins: (path: string) => EdgeOrigin[] | undefined;
}): Edge {
  const log: EdgeRequest[] = [];
  const server = https.createServer({ key: options.tls.keyPem, cert: options.tls.certPem }, (req, res) => {
    const entry: EdgeRequest = {
      at: options.clock.now().toISOString(),
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      origin: undefined,
      status: 0,
    };
    log.push(entry);
    const ref = `0${Math.random().toString(36).slice(2, 12)}`;
    const group = options.origins(entry.path);
    if (group === undefined) {
      entry.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain', 'x-azure-ref': ref });
      res.end('No route matches the path.');
      return;
    }
    const origin = pickOrigin(group);
    if (origin === undefined) {
      entry.status = 503;
      res.writeHead(503, { 'content-type': 'text/plain', 'x-azure-ref': ref });
      res.end('No enabled origin in the origin group.');
      return;
    }
    entry.origin = origin.name;
    const headers = { ...req.headers, host: origin.originHostHeader };
    const upstream = https.request(
      {
        host: origin.hostName,
        port: origin.httpsPort,
        method: req.method,
        path: req.url,
        headers,
        // The local origins are the emulator's gateways, with its certificate.
        ca: options.tls.certPem,
        timeout: 30_000,
      },
      (up) => {
        entry.status = up.statusCode ?? 502;
        res.writeHead(entry.status, { ...up.headers, 'x-azure-ref': ref });
        up.pipe(res);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('origin timed out')));
    upstream.on('error', () => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', 'x-azure-ref': ref });
      res.end('The origin could not be reached.');
    });
    req.pipe(upstream);
  });
  const edge: Edge = {
    ready: Promise.resolve(''),
    host: undefined,
    log,
    stop: () =>
      edge.ready.then(
        () => close(server),
        () => undefined,
      ),
  };
  edge.ready = listen(server).then(() => {
    edge.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    return edge.host;
  });
  // A failed listen surfaces through the ARM read of the endpoint; never unhandled here.
  edge.ready.catch(() => undefined);
  return edge;
}
