import type { ArmFault, ArmFaults, FaultTarget } from './types';

interface ScriptedFault {
  fault: ArmFault;
  on: FaultTarget | 'restoreResult' | 'backupAccepted';
  remaining: number;
}

/** Scripted faults: the scripting API tests use, and `take` for the handlers to consume one. */
export function createFaults(): {
  api: ArmFaults;
  take: (kind: Exclude<FaultTarget, 'any'> | 'restoreResult' | 'backupAccepted') => ArmFault | undefined;
} {
  const scripted: ScriptedFault[] = [];
  const api: ArmFaults = {
    inject(fault, opts = {}) {
      const on =
        fault.kind === 'dropApiOnRestore'
          ? 'restoreResult'
          : fault.kind === 'changeConfigDuringBackup'
            ? 'backupAccepted'
            : (opts.on ??
              (fault.kind === 'serviceLocked' ? 'post' : fault.kind === 'failOperation' ? 'poll' : 'any'));
      scripted.push({ fault, on, remaining: opts.times ?? 1 });
    },
    pending: () => scripted.reduce((n, f) => n + f.remaining, 0),
    clear: () => {
      scripted.length = 0;
    },
  };

  function take(
    kind: Exclude<FaultTarget, 'any'> | 'restoreResult' | 'backupAccepted',
  ): ArmFault | undefined {
    // The backup-accepted hook takes only its own fault, never one meant for any request.
    const entry = scripted.find(
      (f) => f.remaining > 0 && (f.on === kind || (kind !== 'backupAccepted' && f.on === 'any')),
    );
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining === 0) scripted.splice(scripted.indexOf(entry), 1);
    return entry.fault;
  }
  return { api, take };
}
