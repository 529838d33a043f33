import { httpError, queryId, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { plans } from '../names/plans';

/**
 * `GET /api/runs?plan=&limit=`: recent plan runs, newest first (from each plan's summary: no
 * listing). Without `plan`, every declared plan's runs. `limit` 1-50, default 20.
 */
route(plans.listRuns, {
  route: 'runs',
  methods: ['GET'],
  authLevel: 'function',
  role: ROLES.reader,
  handler: async (request) => {
    const { planDeps, planEntries } = await import('../../shared/plans/deps');
    // `plan` becomes a blob name (summaries/<plan>.json): the one id rule keeps it in its folder.
    const limitText = request.query.get('limit');
    const limit = limitText === null ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50)
      throw httpError(400, 'InvalidInput', 'limit: must be a whole number from 1 to 50');
    const { config, store } = await planDeps();
    const plan = queryId(request, 'plan') ?? null;
    const names =
      plan === null
        ? (await planEntries(config)).flatMap((e) => (e.name === undefined ? [] : [e.name]))
        : [plan];
    const summaries = await Promise.all(names.map((n) => store.readSummary(n)));
    if (plan !== null && summaries[0] === undefined) {
      const known = (await planEntries(config)).some((e) => e.name === plan);
      if (!known) throw httpError(404, 'NotFound', `no plan named '${plan.slice(0, 80)}'`);
    }
    const runs = summaries
      .flatMap((s) => s?.recent ?? [])
      .sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : 0))
      .slice(0, limit);
    return { status: 200, jsonBody: { runs } };
  },
});
