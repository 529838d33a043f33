import { app } from '@azure/functions';

/**
 * Checks the recovery plans (LIFEBOAT_PLANS_DIR) once when the app starts, so a plan that could
 * never run (a bad field, a service that is not protected, a site that is not configured) is
 * reported at start-up and not when someone starts it in a disaster. One structured line per
 * invalid plan, `lifeboat.plan.invalid` with the file and every problem; a plan that is valid but
 * has warnings (a drill step that would be refused) gets one `lifeboat.plan.warnings` line. It
 * logs and never throws (see checkConfigurationAtStart: a throwing start hook fails the worker).
 * With an invalid configuration the plans cannot be cross-checked: `lifeboat.config.invalid`
 * already says why, and the plans are checked by `GET /api/plans` once it is fixed.
 */
export async function checkPlansAtStart(): Promise<void> {
  const { errorMessage } = await import('../../shared/errors');
  try {
    const { getConfig } = await import('../../shared/config');
    let config;
    try {
      config = getConfig();
    } catch {
      return;
    }
    const { displayPlansDir, loadPlans, planCheckContext } = await import('../../shared/plans/load');
    const root = process.cwd();
    const entries = await loadPlans(config.plans.dir, planCheckContext(config), root);
    const dir = displayPlansDir(config.plans.dir, root);
    for (const e of entries) {
      if (!e.valid)
        console.error(
          JSON.stringify({
            event: 'lifeboat.plan.invalid',
            dir,
            file: e.file,
            ...(e.name === undefined ? {} : { plan: e.name }),
            problems: e.problems,
          }),
        );
      else if (e.warnings.length > 0)
        console.warn(
          JSON.stringify({
            event: 'lifeboat.plan.warnings',
            dir,
            file: e.file,
            plan: e.name,
            warnings: e.warnings,
          }),
        );
    }
  } catch (error) {
    console.error(JSON.stringify({ event: 'lifeboat.plans.unreadable', error: errorMessage(error) }));
  }
}

app.hook.appStart(checkPlansAtStart);
