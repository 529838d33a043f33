import type {
  FailbackVmInput,
  LyncConferenceRestoreInput,
  LyncConferenceRestoreResult,
  VmFailbackInput,
  VmFailbackOutcome,
  VmFailbackResult,
} from '../../shared/onprem/contracts';
import { orchestrationRef } from './refs';

/**
 * The on-premises flows (Lync/Skype for Business, Hyper-V Replica), built on the relay. Type
 * imports only. Test helpers load the area's files from this table.
 */
export const onprem = {
  lyncConferenceRestore: orchestrationRef<LyncConferenceRestoreInput, LyncConferenceRestoreResult>(
    'lyncConferenceRestore',
  ),
  vmFailback: orchestrationRef<VmFailbackInput, VmFailbackResult>('vmFailback'),
  failbackVm: orchestrationRef<FailbackVmInput, VmFailbackOutcome>('failbackVm'),
} as const;
