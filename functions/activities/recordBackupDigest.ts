import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Records how a backup run ended in its service's status digest (shared/digest/service.ts), for
 * the status page. A digest write that fails is logged and answers `recorded: false`: it never
 * changes the run's result.
 */
activity(backup.recordBackupDigest, {
  input: async () => (await import('../../shared/digest/service')).recordBackupDigestInput,
  handler: async (ending, context) => {
    const { withRunEnded } = await import('../../shared/digest/service');
    const { recordInDigest } = await import('../../shared/digest/store');
    const { serviceName, ...end } = ending;
    const recorded = await recordInDigest(context, serviceName, (d) => withRunEnded(d, serviceName, end));
    return { recorded };
  },
});
