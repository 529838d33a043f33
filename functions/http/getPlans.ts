import { route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { plans } from '../names/plans';

/**
 * `GET /api/plans`: every recovery plan in LIFEBOAT_PLANS_DIR with its validation state (valid,
 * or every problem naming its field and rule) and warnings, its RTO/RPO targets, approval and
 * groups of steps; `dir` is the folder relative to the app root. Reads the folder on each request
 * but re-validates only files whose mtime changed (shared/plans/load.ts).
 */
route(plans.getPlans, {
  route: 'plans',
  methods: ['GET'],
  authLevel: 'function',
  role: ROLES.reader,
  handler: async () => {
    const { getConfig } = await import('../../shared/config');
    const { displayPlansDir, listPlans, loadPlans, planCheckContext } =
      await import('../../shared/plans/load');
    const config = getConfig();
    const root = process.cwd();
    const entries = await loadPlans(config.plans.dir, planCheckContext(config), root);
    return { status: 200, jsonBody: listPlans(entries, displayPlansDir(config.plans.dir, root)) };
  },
});
