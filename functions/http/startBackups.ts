import * as df from 'durable-functions';
import { httpError, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { backup } from '../names/backup';

/**
 * `POST /api/backups` with an optional body `{ "services": ["name", ...] }`: starts the backup
 * orchestration for those services (all when omitted; Lifeboat.Operator). 202 with each started
 * run's `statusUri` (`/api/runs/{id}`, never a Durable management URL) and
 * the services skipped because a run is still going; 400 naming the field for a bad body or an
 * unknown service; 500 when configuration is invalid or a start failed.
 */
route(backup.startBackups, {
  route: 'backups',
  methods: ['POST'],
  authLevel: 'function',
  role: ROLES.operator,
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { getConfig } = await import('../../shared/config');
    const { selectServices } = await import('../../shared/backups/select');
    const { startBackupRuns } = await import('../../shared/backups/start');
    const { buildRunInput } = await import('../../shared/backups/run');
    const { redact } = await import('../../shared/config/redact');
    const config = getConfig();
    const selection = selectServices(await request.text(), config.backup.services);
    if (!selection.ok) throw httpError(400, 'InvalidInput', selection.error);

    const { activeBackupServices } = await import('../../shared/standby/deps');
    const client = df.getClient(context);
    // The side carrying production: the standby (under its own name) once a failover moved it.
    const services = await activeBackupServices(selection.services);
    const outcomes = await startBackupRuns(client, backup.backupOrchestration.name, services, (s) =>
      buildRunInput(s, config.backup),
    );
    // Lifeboat's own route, never the Durable management URLs: in Azure those carry the Durable
    // system key, which opens the whole Durable HTTP API (SECURITY.md).
    const urls = (instanceId: string) => ({ statusUri: `/api/runs/${instanceId}` });
    const started = outcomes
      .filter((o) => o.started)
      .map((o) => ({ service: o.service, instanceId: o.instanceId, ...urls(o.instanceId) }));
    const skipped = outcomes.flatMap((o) =>
      !o.started && !('error' in o)
        ? [{ service: o.service, instanceId: o.instanceId, reason: o.reason, ...urls(o.instanceId) }]
        : [],
    );
    const failed = outcomes.flatMap((o) =>
      'error' in o ? [{ service: o.service, instanceId: o.instanceId, error: redact(o.error) }] : [],
    );
    for (const o of outcomes)
      context.log(
        JSON.stringify({
          event: 'lifeboat.backup.trigger',
          trigger: 'http',
          service: o.service,
          instanceId: o.instanceId,
          started: o.started,
        }),
      );
    return { status: failed.length > 0 ? 500 : 202, jsonBody: { started, skipped, failed } };
  },
});
