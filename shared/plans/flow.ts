import { z } from 'zod';
import type { Outcome, Problem } from '../outcome';
import { notifySchema } from '../steps/flows';
import { stepSchema } from './plan';
import { reportOpSchema } from './reportChange';
import type { RunReport } from './report';

/**
 * The durable-boundary shapes of a plan run's own functions (the run's input and signals are in
 * ./run.ts): a step child's input, the report write, and the run's result.
 */

/** The one event a step hears: a manual step's bell (its decision is a record the route wrote). */
export const STEP_SIGNAL = 'signal';

/** Input of `planStep`: one step of one run, started by the run and reporting back to it. */
export const planStepInputSchema = z.strictObject({
  runId: z.string().min(1).max(200),
  step: stepSchema,
  mode: z.enum(['drill', 'failover']),
  /** A failback run's step (issue 23): what the step does in that direction (./failback.ts). */
  failback: z.literal(true).optional(),
  notify: notifySchema,
});
export type PlanStepInput = z.input<typeof planStepInputSchema>;

/**
 * Input of `writePlanReport`: the whole report (the first write, and runs written before issue 24)
 * or only its change since the run's previous write; `final` adds the comparison with the
 * previous run.
 */
export const writePlanReportInputSchema = z.union([
  z.strictObject({
    report: z.custom<RunReport>((v) => typeof v === 'object' && v !== null && 'runId' in v, {
      error: 'must be a run report',
    }),
    final: z.boolean().default(false),
  }),
  // Only the change since the run's previous write (./reportChange.ts), applied to the stored report.
  z.strictObject({
    runId: z.string().min(1).max(200),
    change: z.array(reportOpSchema).max(100_000),
    final: z.boolean().default(false),
  }),
]);
export type WritePlanReportInput = z.input<typeof writePlanReportInputSchema>;

/** What `planRun` returns (its output; the full story is the report). */
export interface PlanRunResult {
  outcome: Outcome;
  error?: Problem;
  runId: string;
  plan: string;
  mode: 'drill' | 'failover';
  state: RunReport['state'];
  /** sha256 of the stored report JSON, so the stored report can be checked. */
  reportSha256?: string;
  reportUri: string;
  /** The orchestration version the run was started on ('' before versioning). */
  orchestrationVersion?: string;
  rto?: RunReport['rto'];
  rpo?: RunReport['rpo'];
}
