import { z } from 'zod';

/**
 * Inputs of the two activities that let a flow run others without holding their tasks: start a
 * child flow under a given instance id (idempotent), and signal an instance with an event. The
 * sliding-window fan-outs use them: the durable-functions JS SDK re-schedules a task yielded again
 * inside a new `Task.any` (azure-functions-durable-js#574), so a parent cannot race its
 * still-running sub-orchestrations; children report back with an event instead.
 */

const instanceId = z
  .string()
  .min(1)
  .max(256, { error: 'must be at most 256 characters' })
  .regex(/^[^@/\\#?\s][^/\\#?\s]*$/, { error: 'must not start with @ or contain / \\ # ? or spaces' });

export const startFlowInput = z.strictObject({
  name: z.string().min(1).max(128),
  instanceId,
  input: z.unknown(),
});
export type StartFlowInput = z.infer<typeof startFlowInput>;
export interface StartFlowOutput {
  /** `started`, or `exists` when an instance with that id was already there (a repeated delivery). */
  readonly state: 'started' | 'exists';
}

export const signalFlowInput = z.strictObject({
  instanceId,
  event: z.string().min(1).max(128),
  data: z.unknown(),
});
export type SignalFlowInput = z.infer<typeof signalFlowInput>;
export interface SignalFlowOutput {
  /** `raised`, or `gone` when the instance no longer exists (purged) or has finished. */
  readonly state: 'raised' | 'gone';
}

/** Where a child flow reports its result: the parent's instance and the event name. */
export const notifySchema = z.strictObject({ instanceId, event: z.string().min(1).max(128) });
export type Notify = z.infer<typeof notifySchema>;
