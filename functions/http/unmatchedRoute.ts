import { errorBody, registeredRoutes, route, templateMatches } from '../kit';
import { core } from '../names/core';

/**
 * Every `/api/...` request no other function takes (the host prefers routes with more literal
 * segments, so this catch-all only sees what matches nothing else): 405 with `Allow` when the path
 * is one of Lifeboat's routes with another method, else 404. Both as JSON an operator can read.
 */
route(core.unmatchedRoute, {
  route: '{*path}',
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  authLevel: 'anonymous',
  handler: (request) => {
    const path = request.params['path'] ?? '';
    const allow = [
      ...new Set(
        registeredRoutes()
          .filter((r) => r.template !== '{*path}' && templateMatches(r.template, path))
          .flatMap((r) => r.methods),
      ),
    ];
    if (allow.length > 0)
      return {
        status: 405,
        headers: { Allow: allow.join(', ') },
        jsonBody: errorBody(
          'MethodNotAllowed',
          `${request.method} is not allowed on /api/${path}; use ${allow.join(', ')}`,
        ),
      };
    return {
      status: 404,
      jsonBody: errorBody(
        'NotFound',
        `no route /api/${path}: see GET /api/health and the README for Lifeboat's routes`,
      ),
    };
  },
});
