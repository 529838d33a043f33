import { route, unmatched } from '../kit';
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
  handler: (request) => Promise.resolve(unmatched(request.method, request.params['path'] ?? '')),
});
