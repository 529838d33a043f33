import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that went through the proxy. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, as sent (`/devstoreaccount1/lifeboat-status/sites/a.json`). */
  url: string;
}

/** A recording HTTP proxy in front of one storage endpoint (Azurite's blob service). */
export interface CountingProxy {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

/** Whether a storage request lists (List Blobs / List Containers: `comp=list`). */
export function isListRequest(r: ProxiedRequest): boolean {
  return /[?&]comp=list(&|$)/i.test(r.url);
}

/**
 * Forwards every request to `target` unchanged (Shared Key signatures cover the path and query,
 * which do not change; the Host header is not signed) and records its method and URL. Tests count
 * list requests with it: the status page must never list blobs.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const requests: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/' });
    const upstream = http.request(
      {
        hostname: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: to.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
