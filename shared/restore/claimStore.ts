import type { ContainerClient } from '@azure/storage-blob';
import { recordStore } from '../storage';
import {
  decideClaim,
  targetRecordName,
  targetRecordSchema,
  type ClaimDecision,
  type RestoreEvidence,
  type TargetRecord,
} from './claim';

/** The target records over the backup container. */
export interface RestoreTargets {
  read(targetResourceId: string): Promise<TargetRecord | undefined>;
  /** Takes the target for `me` unless a running run holds it (`isRunning` asks the durable store). */
  claim(
    targetResourceId: string,
    me: string,
    now: Date,
    isRunning: (instanceId: string) => Promise<boolean>,
  ): Promise<ClaimDecision>;
  /** Frees the target held by `me`; `evidence` (a run that was not refused) replaces the last one. */
  release(targetResourceId: string, me: string, evidence: RestoreEvidence | undefined): Promise<void>;
}

export function createRestoreTargets(container: ContainerClient): RestoreTargets {
  const records = recordStore({ container, schema: targetRecordSchema, label: 'restore targets' });
  return {
    read: async (id) => (await records.read(targetRecordName(id)))?.value,
    async claim(id, me, now, isRunning) {
      let decision: ClaimDecision = { take: true };
      await records.update(targetRecordName(id), async (current) => {
        const holder = current?.holder ?? null;
        const running = holder === null || holder === me ? false : await isRunning(holder);
        decision = decideClaim(current, me, running);
        if (!decision.take) return undefined;
        return { ...current, holder: me, claimedAt: now.toISOString() };
      });
      return decision;
    },
    async release(id, me, evidence) {
      await records.update(targetRecordName(id), (current) => {
        const mine = current?.holder === me;
        if (!mine && evidence === undefined) return undefined;
        const later =
          evidence !== undefined &&
          (current?.evidence === undefined || evidence.endedAt >= current.evidence.endedAt);
        return {
          holder: mine ? null : (current?.holder ?? null),
          ...(mine || current?.claimedAt === undefined ? {} : { claimedAt: current.claimedAt }),
          ...(later ? { evidence } : current?.evidence === undefined ? {} : { evidence: current.evidence }),
        };
      });
    },
  };
}
