import * as df from 'durable-functions';
import { route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { status } from '../names/status';

/**
 * `GET /api/status.html`: the status page for the on-call operator (self-contained, readable on a
 * phone, no script, every text escaped), rendered from the same report as `GET /api/status`.
 */
route(status.getStatusPage, {
  route: 'status.html',
  methods: ['GET'],
  authLevel: 'function',
  role: ROLES.reader,
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { statusReport } = await import('../../shared/status/deps');
    const { renderStatusHtml } = await import('../../shared/status/html');
    const report = await statusReport(df.getClient(context), {
      now: new Date(),
      baseUrl: new URL(request.url).origin,
    });
    return {
      status: 200,
      body: renderStatusHtml(report),
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // CSP, nosniff, frame-ancestors and referrer policy: the kit adds them to every HTML answer.
      },
    };
  },
});
