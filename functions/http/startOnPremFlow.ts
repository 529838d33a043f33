import * as df from 'durable-functions';
import { randomUUID } from 'node:crypto';
import { readJson, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { core } from '../names/core';

/**
 * `POST /api/onprem/{flow}` (`vm-failback`, `lync-restore`): validates the body with the flow's
 * own schema, the site against LIFEBOAT_RELAY_SITES and the mode (drills only: a failover runs
 * through a recovery plan with approval), then starts the flow. 202 with the run's route; 400
 * naming the field; 403 for a failover; 404 for an unknown flow or site. Nothing starts on a refusal.
 */
route(core.startOnPremFlow, {
  route: 'onprem/{flow}',
  methods: ['POST'],
  authLevel: 'function',
  role: ROLES.operator,
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { getConfig } = await import('../../shared/config');
    const { checkOnPremStart } = await import('../../shared/onprem/start');
    const body = await readJson(request);
    const start = checkOnPremStart(request.params['flow'] ?? '', body, getConfig().relay.sites);
    const instanceId = `${request.params['flow']}-${start.site}-${randomUUID()}`.toLowerCase();
    await df.getClient(context).startNew(start.orchestration, { instanceId, input: start.input });
    context.log(
      JSON.stringify({
        event: 'lifeboat.onprem.start',
        flow: start.orchestration,
        site: start.site,
        instanceId,
      }),
    );
    return {
      status: 202,
      headers: { Location: `/api/runs/${instanceId}` },
      jsonBody: { instanceId, statusUri: `/api/runs/${instanceId}` },
    };
  },
});
