import * as df from 'durable-functions';
import { parseActivityInput, pollApimBackupInput, type ApimBackupPoll } from '../../shared/backups/contracts';
import { backupDeps } from '../../shared/backups/deps';
import { toActivityError } from '../../shared/backups/retry';
import { redact } from '../../shared/config/redact';
import { backupFunctions } from '../names/backup';

/** Polls the backup operation exactly once (the orchestration waits between polls on a durable timer). */
export async function pollApimBackup(input: unknown): Promise<ApimBackupPoll> {
  try {
    const { token } = parseActivityInput(pollApimBackupInput, input, backupFunctions.pollApimBackup);
    const poll = await backupDeps().apim.pollOnce(token);
    return poll.status === 'running'
      ? { status: 'running', token: poll.token, retryAfterMs: poll.retryAfterMs ?? null }
      : { status: 'succeeded' };
  } catch (error) {
    throw toActivityError(error, redact);
  }
}

df.app.activity(backupFunctions.pollApimBackup, { handler: pollApimBackup });
