import { z } from 'zod';
import { standbySyncSchema } from './record';
import type { SyncDecision } from './decide';

/** The durable-boundary shapes of the standby's activities (issue 23). */

export const checkStandbySyncInput = z.strictObject({ serviceName: z.string().min(1) });
export type CheckStandbySyncInput = z.infer<typeof checkStandbySyncInput>;
export type CheckStandbySyncOutput = SyncDecision;

export const recordStandbySyncInput = z.strictObject({
  serviceName: z.string().min(1),
  sync: standbySyncSchema,
});
export type RecordStandbySyncInput = z.infer<typeof recordStandbySyncInput>;

export const recordActiveSideInput = z.strictObject({
  runId: z.string().min(1).max(200),
  /** The side production moved to, and the kind of run that moved it. */
  side: z.enum(['primary', 'standby']),
  mode: z.enum(['failover', 'failback']),
  at: z.iso.datetime(),
});
export type RecordActiveSideInput = z.infer<typeof recordActiveSideInput>;
export interface RecordActiveSideOutput {
  /** The services whose active side was recorded (the ones the run's plan restores). */
  services: string[];
}
