import type { StandbySyncInput, StandbySyncResult } from '../../shared/restore/standbySync';
import type {
  CheckStandbySyncInput,
  CheckStandbySyncOutput,
  RecordActiveSideInput,
  RecordActiveSideOutput,
  RecordStandbySyncInput,
} from '../../shared/standby/contracts';
import { activityRef, orchestrationRef } from './refs';

/**
 * The standby's functions (issue 23): the standby sync (a timer on
 * %LIFEBOAT_STANDBY_SYNC_SCHEDULE% starting `standbySync`, which restores through `restoreApim`)
 * and the records of the standby's state and of each service pair's active side.
 */
export const standby = {
  scheduledStandbySync: 'scheduledStandbySync',
  standbySync: orchestrationRef<StandbySyncInput, StandbySyncResult>('standbySync'),
  /** Whether a service's standby may be synced now (shared/standby/decide.ts `decideSync`). */
  checkStandbySync: activityRef<CheckStandbySyncInput, CheckStandbySyncOutput>('checkStandbySync'),
  recordStandbySync: activityRef<RecordStandbySyncInput, void>('recordStandbySync'),
  /** A plan run moved production: the active side of each service its plan restores. */
  recordActiveSide: activityRef<RecordActiveSideInput, RecordActiveSideOutput>('recordActiveSide'),
} as const;
