import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Polls an APIM backup or restore operation exactly once, resumed from its token (the
 * orchestration waits between polls on a durable timer). For a backup (`blobName` given): when
 * the operation cannot be read (403 on the poll) but still runs, the blob is watched instead; a
 * transient poll error is told apart from an operation that ended without a backup
 * (shared/backups/begin.ts `pollBackupOnce`).
 */
activity(backup.pollApimOperation, {
  input: async () => (await import('../../shared/backups/contracts')).pollApimOperationInput,
  handler: async ({ resourceId, token, blobName }) => {
    const { backupDeps, findService } = await import('../../shared/backups/deps');
    const { pollBackupOnce } = await import('../../shared/backups/begin');
    const deps = await backupDeps();
    const service = blobName === undefined ? undefined : findService(deps.config, resourceId);
    const poll = await pollBackupOnce(
      { apim: await deps.apim(), operations: deps.operations },
      token,
      service === undefined || blobName === undefined ? undefined : { service, blobName },
    );
    switch (poll.status) {
      case 'running':
        return {
          status: 'running' as const,
          token: poll.token,
          retryAfterMs: poll.retryAfterMs ?? null,
          ...(poll.watching === undefined ? {} : { watching: poll.watching }),
        };
      case 'succeeded':
        return { status: 'succeeded' as const };
      case 'lost':
        return poll;
    }
  },
});
