import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Polls an APIM backup or restore operation exactly once, resumed from its token (the
 * orchestration waits between polls on a durable timer).
 */
activity(backup.pollApimOperation, {
  input: async () => (await import('../../shared/backups/contracts')).pollApimOperationInput,
  handler: async ({ token }) => {
    const { backupDeps } = await import('../../shared/backups/deps');
    const poll = await (await (await backupDeps()).apim()).pollOnce(token);
    return poll.status === 'running'
      ? { status: 'running' as const, token: poll.token, retryAfterMs: poll.retryAfterMs ?? null }
      : { status: 'succeeded' as const };
  },
});
