import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Polls an APIM backup or restore operation exactly once, resumed from its token (the
 * orchestration waits between polls on a durable timer). When the operation cannot be read (403
 * on the poll) but still runs, its effect is watched instead: the backup blob.
 */
activity(backup.pollApimOperation, {
  input: async () => (await import('../../shared/backups/contracts')).pollApimOperationInput,
  handler: async ({ token }) => {
    const { backupDeps } = await import('../../shared/backups/deps');
    const { pollBackupOnce } = await import('../../shared/backups/begin');
    const deps = await backupDeps();
    const poll = await pollBackupOnce({ apim: await deps.apim(), operations: deps.operations }, token);
    return poll.status === 'running'
      ? {
          status: 'running' as const,
          token: poll.token,
          retryAfterMs: poll.retryAfterMs ?? null,
          ...(poll.watching === undefined ? {} : { watching: poll.watching }),
        }
      : { status: 'succeeded' as const };
  },
});
