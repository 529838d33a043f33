import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ArmFault } from './types';
import { errorBody, type ArmError } from './validation';

/** HTTP plumbing shared by the emulator's servers and handlers. */

const MAX_BODY = 1_048_576;

/** Answers with a JSON body (or none) and an `x-ms-request-id`, as ARM does. */
export function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'x-ms-request-id': randomBytes(8).toString('hex'),
    ...(body === undefined
      ? { 'content-length': '0' }
      : {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(Buffer.byteLength(text)),
        }),
  });
  res.end(text);
}

/** Answers with an ARM `ErrorResponse` body. */
export function sendError(res: ServerResponse, e: ArmError, headers: Record<string, string> = {}): void {
  send(res, e.status, errorBody(e), headers);
}

/** Answers a scripted HTTP fault (or ServiceLocked); false when the fault is not one of those. */
export function faultAnswer(res: ServerResponse, fault: ArmFault, service: string): boolean {
  if (fault.kind === 'serviceLocked') {
    sendError(res, lockedError(service));
    return true;
  }
  if (fault.kind === 'http') {
    const code =
      fault.code ??
      (fault.status === 503
        ? 'ServiceUnavailable'
        : fault.status === 429
          ? 'TooManyRequests'
          : 'InternalServerError');
    sendError(
      res,
      { status: fault.status, code, message: fault.message ?? `Injected fault: ${code}.` },
      fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
    );
    return true;
  }
  return false;
}

/** 409 ServiceLocked: the service is transitioning (an operation runs or it is not settled). */
export function lockedError(name: string): ArmError {
  return {
    status: 409,
    code: 'ServiceLocked',
    message: `The API Service ${name} is transitioning at this time. Please try the request again later.`,
  };
}

/** The request body as text; undefined when it is over 1 MiB. */
export function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Listens on 127.0.0.1, port 0. */
export function listen(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Closes a server and its open connections. */
export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
