import {
  app,
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
import type { Principal, Role } from '../../shared/identity/principal';

/**
 * The HTTP wrapper: parse → call → map. Every answer is JSON; an error is
 * `{ "error": { "code", "message" } }` with the right status: 400 naming the field and rule, 404,
 * 405 with `Allow` (see the catch-all route), 409, and 500 with an error id and no detail (the
 * detail goes to the log under that id). Never a stack trace or a server path.
 */

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
  const parsed = schema.safeParse(await readJson(request));
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
  routes.push({ template: spec.route, methods: spec.methods });
  const role = spec.role;
  app.http(name, {
    route: spec.route,
    methods: spec.methods,
    authLevel: spec.authLevel,
    ...(spec.extraInputs === undefined ? {} : { extraInputs: spec.extraInputs }),
    handler: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      try {
        if (role === undefined) return await (spec.handler as HttpHandler)(request, context);
        const caller = await signedInCaller(request, role);
        return await (spec.handler as CallerHandler)(request, context, caller);
      } catch (error) {
        return errorResponse(error, context);
      }
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
