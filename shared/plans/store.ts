import type { ContainerClient } from '@azure/storage-blob';
import { TransientError } from '../errors';
import { planPaths, type PlanSummary, type RunReport, type RunSummary } from './report';
import { summaryOf } from './run';

/**
 * Plan runs in blob storage (the app's storage, container `lifeboat-plans`; layout in
 * shared/plans/report.ts `planPaths`): each plan's lock (one run per plan at a time, taken and
 * handed over with conditional writes), each run's report (JSON and HTML, rewritten as the run
 * goes), a run id → plan index, and a per-plan summary the status page reads by name.
 */

/** Who holds a plan's lock. */
export interface PlanLock {
  runId: string;
  mode: 'drill' | 'failover';
  since: string;
}

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

function statusOf(error: unknown): number | undefined {
  const s = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function unavailable(what: string, error: unknown): TransientError {
  return new TransientError(`plan store: ${what} failed (status ${statusOf(error) ?? 'none'})`, {
    code: 'PlanStoreUnavailable',
    cause: error,
  });
}

/** A {@link PlanStore} on a container (created on first use). */
export function createPlanStore(container: ContainerClient): PlanStore {
  let ensured: Promise<unknown> | undefined;
  const ensure = async () => {
    ensured ??= container.createIfNotExists().catch((error: unknown) => {
      ensured = undefined;
      throw unavailable('creating the container', error);
    });
    await ensured;
  };

  async function read(name: string): Promise<{ text: string; etag: string } | undefined> {
    await ensure();
    try {
      const blob = container.getBlobClient(name);
      const res = await blob.download();
      const chunks: Buffer[] = [];
      for await (const chunk of res.readableStreamBody ?? [])
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      return { text: Buffer.concat(chunks).toString('utf8'), etag: res.etag ?? '' };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw unavailable(`reading ${name}`, error);
    }
  }

  async function write(
    name: string,
    text: string,
    contentType: string,
    conditions?: { ifMatch?: string; ifNoneMatch?: string },
  ): Promise<boolean> {
    await ensure();
    try {
      await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
        ...(conditions === undefined ? {} : { conditions }),
        blobHTTPHeaders: { blobContentType: contentType },
      });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (conditions !== undefined && (status === 409 || status === 412)) return false;
      throw unavailable(`writing ${name}`, error);
    }
  }

  async function updateSummary(report: RunReport): Promise<void> {
    const name = planPaths.summary(report.plan.name);
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = await read(name);
      const before = current === undefined ? undefined : (JSON.parse(current.text) as PlanSummary);
      const next = mergeSummary(before, report);
      const ok = await write(
        name,
        JSON.stringify(next),
        'application/json',
        current === undefined ? { ifNoneMatch: '*' } : { ifMatch: current.etag },
      );
      if (ok) return;
    }
    throw new TransientError(`plan store: the summary of ${report.plan.name} kept changing`, {
      code: 'PlanStoreContention',
    });
  }

  return {
    async readLock(plan) {
      const found = await read(planPaths.lock(plan));
      return found === undefined ? undefined : { lock: JSON.parse(found.text) as PlanLock, etag: found.etag };
    },
    async takeLock(plan, lock, etag) {
      return write(
        planPaths.lock(plan),
        JSON.stringify(lock),
        'application/json',
        etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag },
      );
    },
    async releaseLock(plan, runId) {
      const found = await read(planPaths.lock(plan));
      if (found === undefined || (JSON.parse(found.text) as PlanLock).runId !== runId) return;
      try {
        await container.getBlobClient(planPaths.lock(plan)).delete({ conditions: { ifMatch: found.etag } });
      } catch (error) {
        // 412: the lock changed hands meanwhile (a failover took it over): not ours to free.
        if (statusOf(error) !== 412 && statusOf(error) !== 404) throw unavailable('freeing the lock', error);
      }
    },
    async writeReport(report, html) {
      const { createHash } = await import('node:crypto');
      const json = JSON.stringify(report, null, 2);
      const sha256 = createHash('sha256').update(json, 'utf8').digest('hex');
      await write(planPaths.reportJson(report.plan.name, report.runId), json, 'application/json');
      await write(planPaths.reportHtml(report.plan.name, report.runId), html, 'text/html; charset=utf-8');
      await write(
        planPaths.runIndex(report.runId),
        JSON.stringify({ runId: report.runId, plan: report.plan.name }),
        'application/json',
      );
      await updateSummary(report);
      return { sha256 };
    },
    async readReport(runId) {
      const index = await read(planPaths.runIndex(runId));
      if (index === undefined) return undefined;
      const { plan } = JSON.parse(index.text) as { plan: string };
      const found = await read(planPaths.reportJson(plan, runId));
      return found === undefined ? undefined : (JSON.parse(found.text) as RunReport);
    },
    async readReportText(runId) {
      const index = await read(planPaths.runIndex(runId));
      if (index === undefined) return undefined;
      const { plan } = JSON.parse(index.text) as { plan: string };
      return (await read(planPaths.reportJson(plan, runId)))?.text;
    },
    async readReportHtml(runId) {
      const index = await read(planPaths.runIndex(runId));
      if (index === undefined) return undefined;
      const { plan } = JSON.parse(index.text) as { plan: string };
      return (await read(planPaths.reportHtml(plan, runId)))?.text;
    },
    async readSummary(plan) {
      const found = await read(planPaths.summary(plan));
      return found === undefined ? undefined : (JSON.parse(found.text) as PlanSummary);
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
  const lastOf = (mode: 'drill' | 'failover') => {
    const prev = mode === 'drill' ? before?.lastDrill : before?.lastFailover;
    if (line.mode !== mode || !final) return prev;
    return prev === undefined || prev.requestedAt <= line.requestedAt ? line : prev;
  };
  const lastDrill = lastOf('drill');
  const lastFailover = lastOf('failover');
  return {
    plan: report.plan.name,
    ...(active === undefined ? {} : { active }),
    ...(lastDrill === undefined ? {} : { lastDrill }),
    ...(lastFailover === undefined ? {} : { lastFailover }),
    recent,
    updatedAt: report.writtenAt,
  };
}
