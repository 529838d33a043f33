import {
  app,
  HttpResponse,
  type FunctionInput,
  type HttpHandler,
  type HttpMethod,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from '@azure/functions';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { classifyError, formatIssues, NonRetryableError, publicError } from '../../shared/errors';
import { parseId } from '../../shared/http/ids';
import type { Principal, Role } from '../../shared/identity/principal';

/**
 * The HTTP wrapper: parse → call → map. Every answer is JSON (or a self-contained HTML page); an
 * error is `{ "error": { "code", "message" } }` with the right status: 400 naming the field and
 * rule, 404, 405 with `Allow` (see the catch-all route), 409, and 500 with an error id and no
 * detail (the detail goes to the log under that id). Never a stack trace or a server path. Every
 * answer carries `nosniff`; every HTML answer the page security headers ({@link withSecurityHeaders}).
 */

/** The id in route parameter `name`, by the one id rule (shared/http/ids.ts); 400 naming it otherwise. */
export function pathId(request: HttpRequest, name: string): string {
  return parseId(name, request.params[name]);
}

/** The id in query parameter `name` by the same rule; `undefined` when the parameter is absent. */
export function queryId(request: HttpRequest, name: string): string | undefined {
  const value = request.query.get(name);
  return value === null ? undefined : parseId(name, value);
}

/**
 * The headers of every HTML answer (issue 20: the run report had none). The pages are
 * self-contained: inline styles, no script, nothing loaded from elsewhere, never framed (no
 * clickjacking of an approval page), no referrer leaking a run id.
 */
export const HTML_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const NOSNIFF: Readonly<Record<string, string>> = { 'x-content-type-options': 'nosniff' };

/**
 * An answer with the security headers: `nosniff` on every answer (a JSON body is never read as
 * HTML), and {@link HTML_SECURITY_HEADERS} on every HTML answer, whatever the handler set.
 */
export function withSecurityHeaders<A extends HttpResponseInit | HttpResponse>(answer: A): A {
  const add = (headers: Headers) => {
    const html = /^text\/html\b/i.test(headers.get('content-type') ?? '');
    for (const [name, value] of Object.entries(html ? HTML_SECURITY_HEADERS : NOSNIFF))
      headers.set(name, value);
  };
  // A handler may return the SDK's response object: its headers are set in place.
  if (answer instanceof HttpResponse) {
    add(answer.headers);
    return answer;
  }
  const headers = new Headers(answer.headers);
  add(headers);
  const plain: Record<string, string> = {};
  headers.forEach((value, name) => {
    plain[name] = value;
  });
  return { ...answer, headers: plain };
}

/** An error answer. */
export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

/** A refusal with an HTTP status (400 by default): what a handler throws for bad requests. */
export function httpError(
  status: number,
  code: string,
  message: string,
): NonRetryableError & { status: number } {
  return new NonRetryableError(message, { code, status }) as NonRetryableError & { status: number };
}

/** Reads the JSON body; an empty body is `{}`. Throws 400 when it is not JSON. */
export async function readJson(request: HttpRequest): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw httpError(400, 'InvalidJson', 'body: must be JSON');
  }
}

/** Reads the JSON body with its schema; an empty body is `{}`. Throws 400 naming the field and rule. */
export async function readBody<T>(request: HttpRequest, schema: z.ZodType<T>): Promise<T> {
  const parsed = schema.safeParse(await readJson(request), { reportInput: true });
  if (!parsed.success)
    throw httpError(400, 'InvalidInput', formatIssues(parsed.error.issues, { root: 'body' }));
  return parsed.data;
}

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  InvalidInput: 400,
  InvalidJson: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  UnknownService: 404,
  Conflict: 409,
};

/** Maps an error to its answer. Exported for the tests of the mapping. */
export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  const status = (error as { status?: unknown } | null)?.status;
  const problem = publicError(error);
  if (classifyError(error) === 'nonRetryable') {
    const code = (error as { code?: string }).code ?? problem.code;
    if (code === 'InvalidConfiguration') return { status: 500, jsonBody: errorBody(code, problem.message) };
    const s = typeof status === 'number' ? status : (STATUS_BY_CODE[code] ?? 400);
    return { status: s, jsonBody: errorBody(code, problem.message) };
  }
  const errorId = randomUUID();
  context.error(
    JSON.stringify({ event: 'lifeboat.http.error', errorId, function: context.functionName, error: problem }),
  );
  return {
    status: 500,
    jsonBody: errorBody(
      'InternalError',
      `Lifeboat could not answer; the log has the detail under error id ${errorId}`,
      {
        errorId,
      },
    ),
  };
}

/** Routes registered through the kit, for the catch-all's 404 / 405 answers. */
const routes: { template: string; methods: HttpMethod[] }[] = [];

/** The routes registered so far (template without the `api/` prefix, methods). */
export function registeredRoutes(): readonly { template: string; methods: readonly HttpMethod[] }[] {
  return routes;
}

/**
 * The answer to a request no route serves with its method (the catch-all, or a route whose
 * parameter named no resource): 405 with `Allow` when `path` (without `api/`) is one of
 * Lifeboat's routes with other methods, else 404. Both as JSON an operator can read.
 */
export function unmatched(method: string, path: string): HttpResponseInit {
  const allow = [
    ...new Set(
      routes
        .filter((r) => r.template !== '{*path}' && templateMatches(r.template, path))
        .flatMap((r) => r.methods)
        .filter((m) => m !== method.toUpperCase()),
    ),
  ];
  if (allow.length > 0)
    return {
      status: 405,
      headers: { Allow: allow.join(', ') },
      jsonBody: errorBody(
        'MethodNotAllowed',
        `${method} is not allowed on /api/${path}; use ${allow.join(', ')}`,
      ),
    };
  return {
    status: 404,
    jsonBody: errorBody(
      'NotFound',
      `no route /api/${path}: see GET /api/health and the README for Lifeboat's routes`,
    ),
  };
}

/** HEAD is answered as GET without a body (RFC 9110 §9.3.2): its status and headers only. */
function headOf(answer: HttpResponseInit | HttpResponse): HttpResponseInit {
  const status = answer instanceof HttpResponse ? answer.status : answer.status;
  const headers = new Headers(answer.headers);
  if (!headers.has('content-type'))
    headers.set(
      'content-type',
      'jsonBody' in answer && answer.jsonBody !== undefined ? 'application/json' : 'text/plain',
    );
  const plain: Record<string, string> = {};
  headers.forEach((value, name) => {
    plain[name] = value;
  });
  return { status: status ?? 200, headers: plain };
}

/** What every route declares. */
interface RouteBase {
  route: string;
  methods: HttpMethod[];
  authLevel: 'anonymous' | 'function' | 'admin';
  extraInputs?: FunctionInput[];
}

/** A route for signed-in people: its handler gets the caller. */
export type CallerHandler = (
  request: HttpRequest,
  context: InvocationContext,
  caller: Principal,
) => Promise<HttpResponseInit>;

/**
 * Registers an HTTP function. A route with `role` serves only a signed-in person holding that
 * role (or one of them): the caller is the principal App Service Authentication (or the local
 * host's stand-in) injected, never the body (shared/identity/principal.ts). 401 without one,
 * 403 naming the role, 500 `InvalidConfiguration` naming the setting when nothing guarantees the
 * principal headers are the platform's. A route without `role` is anonymous or function-key only.
 */
export function route(name: string, spec: RouteBase & { role?: undefined; handler: HttpHandler }): void;
export function route(
  name: string,
  spec: RouteBase & { role: Role | readonly Role[]; handler: CallerHandler },
): void;
export function route(
  name: string,
  spec: RouteBase & { role?: Role | readonly Role[] | undefined; handler: HttpHandler | CallerHandler },
): void {
  // Every GET route answers HEAD too (as GET, without the body).
  const methods: HttpMethod[] =
    spec.methods.includes('GET') && !spec.methods.includes('HEAD') ? [...spec.methods, 'HEAD'] : spec.methods;
  routes.push({ template: spec.route, methods });
  const role = spec.role;
  const handle = async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      if (role === undefined)
        return withSecurityHeaders(await (spec.handler as HttpHandler)(request, context));
      const caller = await signedInCaller(request, role);
      return withSecurityHeaders(await (spec.handler as CallerHandler)(request, context, caller));
    } catch (error) {
      return withSecurityHeaders(errorResponse(error, context));
    }
  };
  app.http(name, {
    route: spec.route,
    methods,
    authLevel: spec.authLevel,
    ...(spec.extraInputs === undefined ? {} : { extraInputs: spec.extraInputs }),
    handler: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const answer = await handle(request, context);
      return request.method === 'HEAD' && !spec.methods.includes('HEAD') ? headOf(answer) : answer;
    },
  });
}

/** The signed-in caller holding `role`; throws the 401 / 403 / configuration refusal. */
async function signedInCaller(request: HttpRequest, role: Role | readonly Role[]): Promise<Principal> {
  const { identitySource, principalFromHeader, requireRole } =
    await import('../../shared/identity/principal');
  identitySource(process.env);
  // The same header `request.user` decodes; read directly so a partial set of headers is a 401,
  // not a worker error.
  const caller = principalFromHeader(
    request.headers.get('x-ms-client-principal'),
    request.headers.get('x-ms-client-principal-name'),
  );
  requireRole(caller, role);
  return caller;
}

/** Whether a route template matches a path (literal segments case-insensitive, `{x}` one segment, `{*x}` the rest). */
export function templateMatches(template: string, path: string): boolean {
  const t = template.split('/').filter((s) => s !== '');
  const p = path.split('/').filter((s) => s !== '');
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    if (/^\{\*/.test(seg)) return true;
    const optional = /^\{[^}]*\?\}$/.test(seg);
    if (i >= p.length) return optional;
    if (/^\{.*\}$/.test(seg)) continue;
    if (seg.toLowerCase() !== p[i]!.toLowerCase()) return false;
  }
  return t.length === p.length;
}
