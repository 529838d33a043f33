import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { readBlobText, recordStore, writeBlobText } from '../storage';
import { planPaths, RUN_STATES, type PlanSummary, type RunReport, type RunSummary } from './report';
import { summaryOf } from './run';

/**
 * Plan runs in blob storage (the app's storage, container `lifeboat-plans`; layout in
 * shared/plans/report.ts `planPaths`): each plan's lock (one run per plan at a time, taken and
 * handed over with conditional writes), each run's report (JSON and HTML, rewritten as the run
 * goes), a run id → plan index, and a per-plan summary the status page reads by name.
 */

/** Who holds a plan's lock. */
export const planLockSchema = z.strictObject({
  runId: z.string().min(1),
  mode: z.enum(['drill', 'failover']),
  since: z.iso.datetime(),
});
export type PlanLock = z.infer<typeof planLockSchema>;

export interface PlanStore {
  readLock(plan: string): Promise<{ lock: PlanLock; etag: string } | undefined>;
  /** Takes the lock: `etag` undefined = only if free; else only if unchanged since read. False when someone else won. */
  takeLock(plan: string, lock: PlanLock, etag: string | undefined): Promise<boolean>;
  /** Frees the lock if `runId` still holds it. */
  releaseLock(plan: string, runId: string): Promise<void>;
  /** Writes the report JSON and HTML, the run index and the plan summary; returns the JSON's sha256. */
  writeReport(report: RunReport, html: string): Promise<{ sha256: string }>;
  readReport(runId: string): Promise<RunReport | undefined>;
  readReportHtml(runId: string): Promise<string | undefined>;
  /** The report JSON exactly as stored (its sha256 is the one the run recorded). */
  readReportText(runId: string): Promise<string | undefined>;
  readSummary(plan: string): Promise<PlanSummary | undefined>;
}

const RECENT = 50;

const runIndexSchema = z.strictObject({ runId: z.string().min(1), plan: z.string().min(1) });

// The fields of a summary line the status page and mergeSummary rely on; the rest (rto, rpo, ...)
// is whatever this module wrote from a typed RunSummary.
const runSummarySchema = z.looseObject({
  runId: z.string(),
  plan: z.string(),
  mode: z.enum(['drill', 'failover']),
  state: z.enum(RUN_STATES),
  requestedAt: z.string(),
});
const planSummarySchema = z.looseObject({
  plan: z.string(),
  active: runSummarySchema.optional(),
  lastDrill: runSummarySchema.optional(),
  lastFailover: runSummarySchema.optional(),
  lastFailback: runSummarySchema.optional(),
  recent: z.array(runSummarySchema),
  updatedAt: z.string(),
}) as unknown as z.ZodType<PlanSummary>;

const LABEL = 'plan store';

/** A {@link PlanStore} on a container (created, private, on the first write). */
export function createPlanStore(container: ContainerClient): PlanStore {
  const locks = recordStore({ container, schema: planLockSchema, label: LABEL });
  const runIndex = recordStore({ container, schema: runIndexSchema, label: LABEL });
  // A summary is rebuilt by every report write: an unreadable one is replaced, not fatal.
  const summaries = recordStore({ container, schema: planSummarySchema, label: LABEL, corrupt: 'absent' });
  const readText = async (name: string) => (await readBlobText(container, name, LABEL))?.text;
  const writeText = (name: string, text: string, contentType: string) =>
    writeBlobText(container, name, text, { contentType, label: LABEL });
  /** The plan of a run, from the run index. */
  const planOf = async (runId: string) => (await runIndex.read(planPaths.runIndex(runId)))?.value.plan;

  return {
    async readLock(plan) {
      const found = await locks.read(planPaths.lock(plan));
      return found === undefined ? undefined : { lock: found.value, etag: found.etag };
    },
    async takeLock(plan, lock, etag) {
      const name = planPaths.lock(plan);
      const written =
        etag === undefined ? await locks.create(name, lock) : await locks.replace(name, lock, etag);
      return written !== undefined;
    },
    async releaseLock(plan, runId) {
      const found = await locks.read(planPaths.lock(plan));
      // Under its ETag: if the lock changed hands meanwhile (a failover took it over), it is not ours to free.
      if (found?.value.runId === runId) await locks.remove(planPaths.lock(plan), found.etag);
    },
    async writeReport(report, html) {
      const { createHash } = await import('node:crypto');
      const json = JSON.stringify(report, null, 2);
      const sha256 = createHash('sha256').update(json, 'utf8').digest('hex');
      await writeText(planPaths.reportJson(report.plan.name, report.runId), json, 'application/json');
      await writeText(planPaths.reportHtml(report.plan.name, report.runId), html, 'text/html; charset=utf-8');
      await runIndex.put(planPaths.runIndex(report.runId), { runId: report.runId, plan: report.plan.name });
      await summaries.update(planPaths.summary(report.plan.name), (before) => mergeSummary(before, report));
      return { sha256 };
    },
    async readReport(runId) {
      const plan = await planOf(runId);
      const text = plan === undefined ? undefined : await readText(planPaths.reportJson(plan, runId));
      return text === undefined ? undefined : (JSON.parse(text) as RunReport);
    },
    async readReportText(runId) {
      const plan = await planOf(runId);
      return plan === undefined ? undefined : readText(planPaths.reportJson(plan, runId));
    },
    async readReportHtml(runId) {
      const plan = await planOf(runId);
      return plan === undefined ? undefined : readText(planPaths.reportHtml(plan, runId));
    },
    async readSummary(plan) {
      return (await summaries.read(planPaths.summary(plan)))?.value;
    },
  };
}

/** The plan summary after `report` was written (pure). A report older than the one kept never replaces it. */
export function mergeSummary(before: PlanSummary | undefined, report: RunReport): PlanSummary {
  const line: RunSummary = summaryOf(report);
  const recent = [line, ...(before?.recent ?? []).filter((r) => r.runId !== line.runId)]
    .sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : 0))
    .slice(0, RECENT);
  const final = ['completed', 'cancelled', 'rejected', 'expired'].includes(line.state);
  const active = final
    ? before?.active?.runId === line.runId
      ? undefined
      : before?.active
    : before?.active === undefined ||
        before.active.runId === line.runId ||
        before.active.requestedAt <= line.requestedAt
      ? line
      : before.active;
  // The last drill and failover are the way out; a failback (or its drill) is kept on its own (issue 23).
  const lastOf = (mode: 'drill' | 'failover' | 'failback') => {
    const prev =
      mode === 'drill'
        ? before?.lastDrill
        : mode === 'failover'
          ? before?.lastFailover
          : before?.lastFailback;
    const lineIs =
      line.failback === true ? (line.mode === 'failover' ? 'failback' : 'failbackDrill') : line.mode;
    if (lineIs !== mode || !final) return prev;
    return prev === undefined || prev.requestedAt <= line.requestedAt ? line : prev;
  };
  const lastDrill = lastOf('drill');
  const lastFailover = lastOf('failover');
  const lastFailback = lastOf('failback');
  return {
    plan: report.plan.name,
    ...(active === undefined ? {} : { active }),
    ...(lastDrill === undefined ? {} : { lastDrill }),
    ...(lastFailover === undefined ? {} : { lastFailover }),
    ...(lastFailback === undefined ? {} : { lastFailback }),
    recent,
    updatedAt: report.writtenAt,
  };
}
