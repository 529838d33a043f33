import * as df from 'durable-functions';
import { readBody, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { plans } from '../names/plans';

/**
 * `POST /api/drills` `{ plan, mode? }` (Lifeboat.Operator; the requester is the signed-in caller): starts a drill of a plan (drill variants only: nothing in
 * production changes). `mode: "failback"` rehearses coming home (issue 23): the standby's fresh
 * backup restored into the drill target, the traffic read and validated, the primary untouched;
 * like a failback, only when the standby carries production (409 `NotFailedOver`). 202 `{ runId, status, report }`; 400 naming the field; 404 unknown plan;
 * 409 when the plan has a run (with its id) or is invalid.
 */
route(plans.startDrill, {
  route: 'drills',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  role: ROLES.operator,
  handler: async (request, context, caller) => {
    const { startFromHttp } = await import('../../shared/plans/deps');
    const { startDrillBody } = await import('../../shared/plans/start');
    const { startAnswer } = await import('../../shared/plans/http');
    const body = await readBody(request, startDrillBody);
    const decision = await startFromHttp(
      df.getClient(context),
      caller,
      {
        plan: body.plan,
        mode: 'drill',
        reason: body.mode === 'failback' ? 'failback drill' : 'drill',
        ...(body.mode === 'failback' ? { failback: true as const } : {}),
      },
      plans.planRun.name,
    );
    context.log(
      JSON.stringify({
        event: 'lifeboat.plans.start',
        trigger: 'http',
        mode: body.mode === 'failback' ? 'failbackDrill' : 'drill',
        plan: body.plan,
        ...decision,
      }),
    );
    return startAnswer(decision);
  },
});
