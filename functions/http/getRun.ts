import * as df from 'durable-functions';
import { httpError, route } from '../kit';
import { core } from '../names/core';

/**
 * `GET /api/runs/{instanceId}`: any Lifeboat run as an operator reads it (not the raw durable
 * payload): which flow, where it is (runtime status, phase, percent, what it waits for), and how
 * it ended (outcome, error as code and message, the result).
 */
route(core.getRun, {
  route: 'runs/{instanceId}',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { shapeRun } = await import('../../shared/steps/runs');
    const instanceId = request.params['instanceId'] ?? '';
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
