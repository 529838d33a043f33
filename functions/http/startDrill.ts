import * as df from 'durable-functions';
import { readBody, route } from '../kit';
import { plans } from '../names/plans';

/**
 * `POST /api/drills` `{ plan, by? }`: starts a drill of a plan (drill variants only: nothing in
 * production changes). 202 `{ runId, status, report }`; 400 naming the field; 404 unknown plan;
 * 409 when the plan has a run (with its id) or is invalid.
 */
route(plans.startDrill, {
  route: 'drills',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { startFromHttp } = await import('../../shared/plans/deps');
    const { startDrillBody } = await import('../../shared/plans/start');
    const { startAnswer } = await import('../../shared/plans/http');
    const body = await readBody(request, startDrillBody);
    const decision = await startFromHttp(
      df.getClient(context),
      request.headers.get('x-ms-client-principal-name'),
      { plan: body.plan, mode: 'drill', reason: 'drill', by: body.by },
      plans.planRun.name,
    );
    context.log(
      JSON.stringify({
        event: 'lifeboat.plans.start',
        trigger: 'http',
        mode: 'drill',
        plan: body.plan,
        ...decision,
      }),
    );
    return startAnswer(decision);
  },
});
