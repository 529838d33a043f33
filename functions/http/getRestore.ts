import * as df from 'durable-functions';
import { httpError, pathId, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { restore } from '../names/restore';

/**
 * `GET /api/restores/{instanceId}`: a restore run as an operator reads it (shared/steps/runs.ts):
 * phase, percent and what it waits for while it runs; outcome, backup used, recovery point age,
 * timings and the verification once it ended. 404 for an unknown id or a run that is not a restore.
 */
route(restore.getRestore, {
  route: 'restores/{instanceId}',
  methods: ['GET'],
  authLevel: 'function',
  role: ROLES.reader,
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { shapeRun } = await import('../../shared/steps/runs');
    const instanceId = pathId(request, 'instanceId');
    const notFound = () => httpError(404, 'NotFound', `no restore '${instanceId.slice(0, 80)}'`);
    let status;
    try {
      status = await df.getClient(context).getStatus(instanceId);
    } catch (error) {
      if (/\b404\b|No instance/.test(error instanceof Error ? error.message : String(error)))
        throw notFound();
      throw error;
    }
    if (status?.name !== restore.restoreApim.name) throw notFound();
    return { status: 200, jsonBody: shapeRun(status) };
  },
});
