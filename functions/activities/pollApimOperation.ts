import { activity } from '../kit';
import { apim } from '../names/apim';

/**
 * Polls an APIM backup or restore operation exactly once, resumed from its token (the
 * orchestration waits between polls on a durable timer). When the operation cannot be read (403
 * on the poll) but still runs, its effect is watched instead: the blob of a backup, the target
 * service's state of a restore. For a backup (`blobName` given), a transient poll error is told
 * apart from an operation that ended without a backup (shared/backups/begin.ts `pollBackupOnce`).
 * A success carries the completion time the service reported, when it reported one.
 */
activity(apim.pollApimOperation, {
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
          ...(poll.target === undefined ? {} : { target: poll.target }),
        };
      case 'succeeded':
        return poll.completedAt === undefined
          ? { status: 'succeeded' as const }
          : { status: 'succeeded' as const, completedAt: poll.completedAt };
      case 'lost':
        return poll;
    }
  },
});
