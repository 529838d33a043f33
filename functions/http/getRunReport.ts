import { httpError, pathId, route, unmatched } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { plans } from '../names/plans';

/**
 * `GET /api/runs/{runId}/report` (the report JSON, byte for byte as stored: its sha256 is in the run's output) and
 * `/report.html` (the self-contained page), as stored: a run that died still has its last report.
 */
route(plans.getRunReport, {
  route: 'runs/{runId}/{format}',
  methods: ['GET'],
  authLevel: 'function',
  role: ROLES.reader,
  handler: async (request) => {
    const { planDeps } = await import('../../shared/plans/deps');
    const format = request.params['format'];
    // Another route under runs/{runId}/ (a POST such as cancel) answers 405 with Allow.
    if (format !== 'report' && format !== 'report.html')
      return unmatched(request.method, `runs/${request.params['runId'] ?? ''}/${format ?? ''}`);
    const runId = pathId(request, 'runId');
    const { store } = await planDeps();
    if (format === 'report.html') {
      const html = await store.readReportHtml(runId);
      if (html === undefined) throw httpError(404, 'NotFound', `no report for run '${runId.slice(0, 80)}'`);
      // The kit adds the page security headers (CSP, nosniff, frame-ancestors) to every HTML answer.
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
    }
    const text = await store.readReportText(runId);
    if (text === undefined) throw httpError(404, 'NotFound', `no report for run '${runId.slice(0, 80)}'`);
    // The stored bytes, unchanged: their sha256 is the one in the run's output.
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: text };
  },
});
