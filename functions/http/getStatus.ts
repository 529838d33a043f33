import * as df from 'durable-functions';
import { route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { status } from '../names/status';

/**
 * `GET /api/status`: "can we recover now?" as JSON: per protected service, site, plan and recent
 * alert a colour (green / amber / red / unknown) with its reason, and the overall answer
 * (shared/status/model.ts). Reads only blobs it can name, queue properties and durable statuses:
 * never a blob listing (shared/status/read.ts).
 */
route(status.getStatus, {
  route: 'status',
  methods: ['GET'],
  authLevel: 'function',
  role: ROLES.reader,
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { statusReport } = await import('../../shared/status/deps');
    const report = await statusReport(df.getClient(context), {
      now: new Date(),
      baseUrl: new URL(request.url).origin,
    });
    return { status: 200, jsonBody: report, headers: { 'cache-control': 'no-store' } };
  },
});
