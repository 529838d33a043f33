import type { ContainerClient } from '@azure/storage-blob';
import { recordStore } from '../storage';
import {
  standbyRecordName,
  standbyRecordSchema,
  withActiveSide,
  withSync,
  type ActiveSide,
  type StandbyRecord,
  type StandbySync,
} from './record';

/** The standby records (./record.ts) over the backup container, through the one record store. */
export interface StandbyStore {
  read(serviceName: string): Promise<StandbyRecord | undefined>;
  /** Records a sync's end; returns the record stored afterwards. */
  recordSync(serviceName: string, sync: StandbySync): Promise<StandbyRecord>;
  /** Records the active side and the run that changed it. */
  recordActiveSide(serviceName: string, active: ActiveSide): Promise<StandbyRecord>;
}

export function createStandbyStore(container: ContainerClient): StandbyStore {
  const records = recordStore({ container, schema: standbyRecordSchema, label: 'standby records' });
  return {
    read: async (name) => (await records.read(standbyRecordName(name)))?.value,
    async recordSync(name, sync) {
      const stored = await records.update(standbyRecordName(name), (current) =>
        withSync(current, name, sync),
      );
      return stored ?? withSync(undefined, name, sync);
    },
    async recordActiveSide(name, active) {
      const stored = await records.update(standbyRecordName(name), (current) =>
        withActiveSide(current, name, active),
      );
      return stored ?? withActiveSide(undefined, name, active);
    },
  };
}
