import type { DurableEngine, ClientResult } from './engine';

/**
 * The Durable extension's HTTP API (reference §4), served both at the rpc base URL
 * (`/durabletask/`) and at `/runtime/webhooks/durabletask/` on the host's one HTTP server.
 */

/** A plain HTTP answer. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): ApiResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
});

/**
 * A refusal as the extension's HttpApiHandler answers it. Where the extension's client throws
 * (ArgumentException → 400 "One or more of the arguments submitted is incorrect",
 * anything else → 500 "Something went wrong while processing your request"), the body is its
 * `CreateErrorResponse(status, message, exception)`: `{ Message, ExceptionMessage, ExceptionType,
 * StackTrace }` (no .NET stack trace here: `StackTrace` is null).
 */
const failed = (r: Extract<ClientResult<unknown>, { ok: false }>): ApiResponse => {
  const status = { notFound: 404, gone: 410, badRequest: 400, conflict: 409, invalidOperation: 500 }[r.code];
  if (r.exception === undefined) return json(status, { Message: r.message });
  return json(status, {
    Message:
      r.exception === 'System.ArgumentException'
        ? 'One or more of the arguments submitted is incorrect'
        : 'Something went wrong while processing your request',
    ExceptionMessage: r.message,
    ExceptionType: r.exception,
    StackTrace: null,
  });
};

/** Management URLs for an instance, as the 202 body of a start carries them. */
export function managementUrls(
  webhookBase: string,
  hubName: string,
  instanceId: string,
): Record<string, string> {
  const id = encodeURIComponent(instanceId);
  const q = `taskHub=${encodeURIComponent(hubName)}&connection=Storage`;
  const base = `${webhookBase}/instances/${id}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${base}?${q}`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${base}/terminate?reason={text}&${q}`,
    rewindPostUri: `${base}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${base}?${q}`,
    restartPostUri: `${base}/restart?${q}`,
    suspendPostUri: `${base}/suspend?reason={text}&${q}`,
    resumePostUri: `${base}/resume?reason={text}&${q}`,
  };
}

/** The `durableClient` input binding value the extension sends (reference §4). */
export function durableClientBindingData(origin: string, hubName: string): Record<string, unknown> {
  const webhookBase = `${origin}/runtime/webhooks/durabletask`;
  const q = `taskHub=${encodeURIComponent(hubName)}&connection=Storage`;
  const management = managementUrls(webhookBase, hubName, 'INSTANCEID');
  return {
    taskHubName: hubName,
    creationUrls: {
      createNewInstancePostUri: `${webhookBase}/orchestrators/{functionName}[/{instanceId}]?${q}`,
      createAndWaitOnNewInstancePostUri: `${webhookBase}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${q}`,
    },
    managementUrls: { ...management, id: 'INSTANCEID' },
    baseUrl: webhookBase,
    requiredQueryStringParameters: q,
    rpcBaseUrl: `${origin}/durabletask/`,
    httpBaseUrl: webhookBase,
  };
}

function parseBody(body: string): string | null {
  // The client posts JSON text (or an empty body for no input); keep it as JSON text.
  if (body.trim() === '') return null;
  JSON.parse(body);
  return body;
}

function filterFrom(query: URLSearchParams): {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: string[];
} {
  const f: { createdTimeFrom?: Date; createdTimeTo?: Date; runtimeStatus?: string[] } = {};
  const from = query.get('createdTimeFrom');
  const to = query.get('createdTimeTo');
  const status = query.get('runtimeStatus');
  if (from) f.createdTimeFrom = new Date(from);
  if (to) f.createdTimeTo = new Date(to);
  if (status)
    f.runtimeStatus = status
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return f;
}

/**
 * Handles one request below the durabletask base. `segments` are the decoded path segments after
 * the base; `origin` is the host's own origin (for the management URLs it returns).
 */
export function handleDurableApi(
  engine: DurableEngine,
  hubName: string,
  origin: string,
  method: string,
  segments: readonly string[],
  query: URLSearchParams,
  body: string,
): ApiResponse {
  const [first, second, third, fourth] = segments;
  const webhookBase = `${origin}/runtime/webhooks/durabletask`;
  try {
    // The extension's route is `orchestrators/{functionName}/{instanceId?}`: more segments (an id
    // with a `/` that the client did not encode) match nothing and answer 404.
    if (first === 'orchestrators' && second !== undefined && segments.length <= 3 && method === 'POST') {
      const version = query.get('version');
      const result = engine.startNew(second, third, parseBody(body), version ?? undefined);
      if (!result.ok) return failed(result);
      const urls = managementUrls(webhookBase, hubName, result.value);
      return json(202, urls, { location: urls['statusQueryGetUri']!, 'retry-after': '10' });
    }
    if (first === 'instances') {
      if ((second === undefined || second === '') && method === 'GET') {
        return json(200, engine.list(filterFrom(query)));
      }
      if ((second === undefined || second === '') && method === 'DELETE') {
        const n = engine.purgeBy(filterFrom(query));
        return n === 0 ? json(404, { instancesDeleted: 0 }) : json(200, { instancesDeleted: n });
      }
      if (second !== undefined && third === undefined && method === 'GET') {
        const status = engine.getStatus(second, {
          showHistory: query.get('showHistory') === 'true',
          showHistoryOutput: query.get('showHistoryOutput') === 'true',
          showInput: query.get('showInput') !== 'false',
        });
        if (!status) return json(404, { Message: `No instance with ID '${second}' found.` });
        const done = ['Completed', 'Failed', 'Terminated', 'Canceled'].includes(status.runtimeStatus);
        const urls = managementUrls(webhookBase, hubName, second);
        return json(
          done ? 200 : 202,
          status,
          done ? {} : { location: urls['statusQueryGetUri']!, 'retry-after': '10' },
        );
      }
      if (second !== undefined && third === undefined && method === 'DELETE') {
        const n = engine.purge(second);
        return n === 0
          ? json(404, { Message: `No instance with ID '${second}' found.` })
          : json(200, { instancesDeleted: n });
      }
      if (second !== undefined && third === 'raiseEvent' && fourth !== undefined && method === 'POST') {
        const r = engine.raiseEvent(second, fourth, parseBody(body));
        return r.ok ? { status: 202, headers: {}, body: '' } : failed(r);
      }
      if (
        second !== undefined &&
        (third === 'terminate' || third === 'suspend' || third === 'resume') &&
        method === 'POST'
      ) {
        const reason = query.get('reason') ?? '';
        const r =
          third === 'terminate'
            ? engine.terminate(second, reason)
            : third === 'suspend'
              ? engine.suspend(second)
              : engine.resume(second);
        return r.ok ? { status: 202, headers: {}, body: '' } : failed(r);
      }
      if (second !== undefined && (third === 'rewind' || third === 'restart')) {
        return json(501, { Message: `'${third}' is not supported by the local Functions host.` });
      }
    }
    if (first === 'entities') {
      return json(501, { Message: 'Durable entities are not supported by the local Functions host.' });
    }
    return json(404, { Message: `No durable API at ${method} /${segments.join('/')}` });
  } catch (error) {
    if (error instanceof SyntaxError)
      return json(400, { Message: `The request body is not valid JSON: ${error.message}` });
    throw error;
  }
}
