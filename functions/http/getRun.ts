import * as df from 'durable-functions';
import { httpError, pathId, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { core } from '../names/core';

/**
 * `GET /api/runs/{instanceId}`: any Lifeboat run as an operator reads it (a plan run: its report) (not the raw durable
 * payload): which flow, where it is (runtime status, phase, percent, what it waits for), and how
 * it ended (outcome, error as code and message, the result).
 */
route(core.getRun, {
  route: 'runs/{instanceId}',
  methods: ['GET'],
  authLevel: 'function',
  role: ROLES.reader,
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { shapeRun } = await import('../../shared/steps/runs');
    const instanceId = pathId(request, 'instanceId');
    // A plan run answers with its report (plan, mode, state, groups and steps, approvals, cleanup).
    if (/^[a-z0-9-]+-(?:drill|failover|failback|failbackdrill)-\d{8}T\d{6}Z-[a-z0-9]+$/.test(instanceId)) {
      const { planDeps } = await import('../../shared/plans/deps');
      const stored = await (await planDeps()).store.readReport(instanceId);
      // Alerts attached since the report was last written show at once (issue 20: attaching does
      // not rewrite the report).
      const { alertStore } = await import('../../shared/alerts/storage');
      const { reportWithAttached } = await import('../../shared/alerts/attached');
      const report =
        stored === undefined
          ? undefined
          : reportWithAttached(stored, await (await alertStore()).attached(instanceId));
      if (report !== undefined)
        return {
          status: 200,
          jsonBody: {
            ...report,
            links: {
              report: `/api/runs/${instanceId}/report`,
              reportHtml: `/api/runs/${instanceId}/report.html`,
              cancel: `/api/runs/${instanceId}/cancel`,
              ...(report.state === 'pendingApproval'
                ? {
                    approve: `/api/failovers/${instanceId}/approve`,
                    reject: `/api/failovers/${instanceId}/reject`,
                  }
                : {}),
            },
          },
        };
    }
    let status;
    try {
      status = await df.getClient(context).getStatus(instanceId);
    } catch (error) {
      if (/\b404\b|No instance/.test(error instanceof Error ? error.message : String(error)))
        throw httpError(404, 'NotFound', `no run '${instanceId.slice(0, 80)}'`);
      throw error;
    }
    return { status: 200, jsonBody: shapeRun(status) };
  },
});
