import type { Problem } from '../errors';
import type { PreflightDecision } from './preflight';

/**
 * What a backup run makes of its answers (pure: the orchestration only sequences). The preflight
 * verdicts serve restores too: a restore target's preflight decides with the same rules
 * (shared/backups/preflight.ts).
 */

/** What a backup's poll watches: the operation (undefined), or the blob when the operation cannot be read (403). */
export type BackupWatching = 'blob' | 'service' | undefined;

/** A refusal when a run is started under another instance id than the singleton's. */
export function notSingleton(subject: string, expectedId: string, route: string): Problem {
  return {
    code: 'NotSingleton',
    message: `${subject} use the instance id ${expectedId}: start them with POST ${route}`,
  };
}

/** What the preflight waits for (`subject` transitioning), or undefined when it need not wait. */
export function preflightWait(subject: string, decision: PreflightDecision): Problem | undefined {
  return decision.kind === 'wait'
    ? { code: 'ServiceTransitioning', message: `${subject}: ${decision.reason}` }
    : undefined;
}

/** Why `subject` is refused (its tier, its workspaces, a failed service), or undefined when it may go on. */
export function preflightRefusal(subject: string, decision: PreflightDecision): Problem | undefined {
  return decision.kind === 'unsupported'
    ? { code: decision.code, message: `${subject}: ${decision.reason}` }
    : undefined;
}

/** One running poll of a backup: remember what is watched; the operation's own end stops the polls. */
export function observeBackupPoll(
  _watching: BackupWatching,
  answer: { readonly watching?: 'blob' | 'service' },
): { state: BackupWatching; stop: false } {
  return { state: answer.watching, stop: false };
}

/** What the run waits for while it polls (custom status). */
export function backupWaitingFor(watching: BackupWatching): string {
  return watching === 'blob'
    ? 'the backup blob (the operation cannot be read: 403 on its poll)'
    : 'the backup operation at API Management';
}

/** The timeout of a backup whose operation was still running (or whose blob never came). */
export function backupTimeout(serviceName: string, timeoutMs: number, watching: BackupWatching): Problem {
  const minutes = Math.round(timeoutMs / 60000);
  return {
    code: 'BackupTimeout',
    message:
      watching === 'blob'
        ? `${serviceName}: backup blob not written ${minutes} minutes after the accepted POST (the operation cannot be read: 403 on its poll)`
        : `${serviceName}: backup still running after ${minutes} minutes`,
  };
}

/** An operation that ended without a backup: the run begins again, within its budget. */
export function backupLost(serviceName: string, reason: string): Problem {
  return { code: 'BackupOperationLost', message: `${serviceName}: ${reason}` };
}
