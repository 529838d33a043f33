import type { CommandOutput } from '../contracts';
import type { Problem } from '../outcome';

/**
 * Pure decisions of the Lync / Skype for Business conference restore (onprem-commands.md, "Lync
 * Backup Service"): what a Backup Service status says about the sync.
 */
export function lyncStatusVerdict(
  out: CommandOutput<'lync.backupStatus'>,
  where: { poolFqdn: string; module: string },
): { verdict: 'inProgress' } | { verdict: 'done' } | { verdict: 'failed'; error: Problem } {
  if (out.state === 'done') return { verdict: 'done' };
  if (out.state === 'failed')
    return {
      verdict: 'failed',
      error: {
        code: 'ErrorState',
        message: `${where.module} on ${where.poolFqdn}: export ${out.exportStatus}, import ${out.importStatus}`,
      },
    };
  return { verdict: 'inProgress' };
}
