import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A misbehaving queue endpoint on 127.0.0.1 (port 0), for what Azurite cannot do: a server that
 * echoes the request URL (SAS and all) in its error message, or one that accepts requests and
 * never answers. Real HTTP, real Azure SDK clients on the other side.
 */
export interface FakeQueueServer {
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  readonly endpoint: string;
  /** Requests received so far (method and path). */
  readonly requests: string[];
  /** Requests whose connection the client closed before an answer (a cancelled request). */
  readonly abandoned: number;
  stop(): Promise<void>;
}

export type Behaviour = 'echoUrlIn403' | 'hang';

export async function startFakeQueueServer(behaviour: Behaviour): Promise<FakeQueueServer> {
  const requests: string[] = [];
  const open = new Set<ServerResponse>();
  let abandoned = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method ?? '?'} ${(req.url ?? '').split('?')[0] ?? ''}`);
    req.resume();
    if (behaviour === 'echoUrlIn403') {
      // As some proxies and older services do: the error message quotes the request URL.
      const body = `<Error><Code>AuthenticationFailed</Code><Message>Refused ${req.url ?? ''}</Message></Error>`;
      res.writeHead(403, { 'content-type': 'application/xml', 'x-ms-error-code': 'AuthenticationFailed' });
      res.end(body);
      return;
    }
    open.add(res);
    res.on('close', () => {
      if (open.delete(res) && !res.writableEnded) abandoned++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}/devstoreaccount1`,
    requests,
    get abandoned() {
      return abandoned;
    },
    async stop() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
