import type { StartDecision } from './start';

/**
 * How a start decision answers over HTTP (POST /api/drills, POST /api/failovers): 202 with the
 * run's routes; 404 unknown plan; 409 busy (with the running run's id) or an invalid plan (with
 * every problem); 403 failovers switched off. Nothing starts on a refusal.
 */
export function startAnswer(decision: StartDecision): {
  status: number;
  jsonBody: unknown;
  headers?: Record<string, string>;
} {
  if (decision.started) {
    const statusUri = `/api/runs/${decision.runId}`;
    return {
      status: 202,
      headers: { location: statusUri },
      jsonBody: {
        runId: decision.runId,
        state: decision.state,
        status: statusUri,
        report: `${statusUri}/report.html`,
        ...(decision.state === 'pendingApproval'
          ? {
              approve: `/api/failovers/${decision.runId}/approve`,
              reject: `/api/failovers/${decision.runId}/reject`,
            }
          : {}),
        ...(decision.preempted === undefined ? {} : { preempted: decision.preempted }),
        cancel: `${statusUri}/cancel`,
      },
    };
  }
  const status = decision.code === 'PlanNotFound' ? 404 : decision.code === 'FailoversDisabled' ? 403 : 409;
  return {
    status,
    jsonBody: {
      error: {
        code: decision.code,
        message: decision.message,
        ...(decision.code === 'PlanBusy'
          ? {
              runId: decision.runId,
              mode: decision.mode,
              state: decision.state,
              status: `/api/runs/${decision.runId}`,
            }
          : {}),
        ...(decision.code === 'PlanInvalid' && decision.problems ? { problems: decision.problems } : {}),
      },
    },
  };
}
