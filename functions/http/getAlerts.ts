import { httpError, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { alerts } from '../names/alerts';

/**
 * `GET /api/alerts?since=<ISO>&limit=<1-1000>` (function key): every decision taken on alerts
 * (alert id, condition, rule, matched plan, decision, reason, run id) decided at or after `since`
 * (default: the last 24 hours), newest first. 400 naming `since` or `limit` when bad.
 */
route(alerts.getAlerts, {
  route: 'alerts',
  methods: ['GET'],
  authLevel: 'function',
  role: ROLES.reader,
  handler: async (request) => {
    const { getConfig } = await import('../../shared/config');
    const { parseListQuery } = await import('../../shared/alerts/list');
    const { alertStore } = await import('../../shared/alerts/storage');
    const now = new Date();
    const query = parseListQuery(
      { since: request.query.get('since'), limit: request.query.get('limit') },
      now,
      getConfig().alerts.listMaxDays,
    );
    if (!query.ok) throw httpError(400, 'InvalidInput', query.message);
    const store = await alertStore();
    const decisions = await store.list(query.since, query.limit + 1, now);
    return {
      status: 200,
      jsonBody: {
        since: query.since.toISOString(),
        limit: query.limit,
        truncated: decisions.length > query.limit,
        decisions: decisions.slice(0, query.limit),
      },
    };
  },
});
