import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
// Canonical JSON (sorted keys): the one the relay signs with.
import { canonicalJson } from '../contracts/envelope';
import { TransientError } from '../errors';
import type { Plan } from './plan';
import type { RunReport } from './report';
import { alertReportSchema, planRunStartSchema, type ParsedPlanRunInput, type PlanRunStart } from './run';

/**
 * What a plan run trusts (issue 20): only what Lifeboat itself wrote. Anyone holding the Durable
 * Functions system key can start any orchestrator with any input and raise any event
 * (/work/shared/reference/trust-and-traffic.md), so:
 * - the route records a **start ticket** (the exact start input) before it starts `planRun`; the
 *   run's first activity admits it only when the ticket exists, matches, is fresh and unclaimed,
 *   the plan loads by name from LIFEBOAT_PLANS_DIR with the ticket's hash, and failovers are on;
 * - a human decision (approve, reject, cancel) or an alert for a run is a **request record**
 *   written by the authenticated route (who, when, what), append-only and never overwritten; the
 *   external event only rings the bell, and the run reads the records itself, in arrival order.
 * Layout, in container `lifeboat-plans`: `tickets/<runId>.json`, `tickets/<runId>.claim.json`,
 * `requests/<runId>/<stamp>-<id>.json`, `step-decisions/<runId>/<stepId>/<stamp>-<id>.json` (manual steps).
 */

// ------------------------------------------------------------------------------------------------
// Who

/** A caller as records keep it: a stable id and a display name. */
export const actorSchema = z.strictObject({
  id: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
});
export type Actor = z.infer<typeof actorSchema>;

/**
 * The one place a caller becomes a record's actor: the platform principal's object id (what the
 * two-person rule compares) and its display name (shared/identity/principal.ts). Runs started by
 * an alert carry `alert:<rule>` as both.
 */
export function actorOf(
  caller: { objectId: string; name: string } | { id: string; name?: string | undefined } | undefined,
): Actor | undefined {
  if (caller === undefined) return undefined;
  const id = 'objectId' in caller ? caller.objectId : caller.id;
  const name = (caller.name ?? '').trim().slice(0, 256) || id;
  return { id: id.slice(0, 256), name };
}

// ------------------------------------------------------------------------------------------------
// Start tickets

/** What the starter records before it starts `planRun`: the exact start input. */
export const startTicketSchema = z.strictObject({
  runId: z.string().min(1).max(200),
  input: planRunStartSchema,
  writtenAt: z.string().max(40),
});
export type StartTicket = z.infer<typeof startTicketSchema>;

/** How long a ticket admits its run after it was written (the route starts the run at once). */
export const TICKET_MAX_AGE_MS = 15 * 60_000;

/** Why a run was not admitted: every code is a refusal (nothing was touched). */
export type AdmissionRefusal = {
  admitted: false;
  code:
    | 'InvalidStart'
    | 'InlinePlan'
    | 'NoTicket'
    | 'TicketMismatch'
    | 'TicketExpired'
    | 'TicketUsed'
    | 'FailoversDisabled'
    | 'PlanNotFound'
    | 'PlanInvalid'
    | 'PlanChanged';
  message: string;
  /** True when the run is Lifeboat's own (its ticket matched): the run frees its lock and ends its report. */
  ticketed: boolean;
  runId?: string;
  plan?: string;
  /** A ticketed run's report as its starter wrote it (the run ends it refused). */
  report?: RunReport;
};
export type Admission = { admitted: true; input: ParsedPlanRunInput } | AdmissionRefusal;

/** A plan as the loader found it. */
export interface AdmissionEntry {
  readonly name?: string | undefined;
  readonly valid: boolean;
  readonly plan?: Plan | undefined;
  readonly sha256?: string | undefined;
}

/**
 * Whether a raw `planRun` start may run (pure): a start input naming a deployed plan (never an
 * inline one), the ticket the route recorded for it (same input, fresh), failovers switched on
 * for a failover, and the deployed plan with the ticket's hash. The claim (one execution per
 * ticket) is checked by {@link admitPlanRun}.
 */
export function decideAdmission(
  raw: unknown,
  instanceId: string,
  ticket: StartTicket | undefined,
  entries: readonly AdmissionEntry[],
  failoversEnabled: boolean,
  now: Date,
): Admission {
  const refuse = (
    code: AdmissionRefusal['code'],
    message: string,
    ticketed = false,
    extra: { runId?: string; plan?: string } = {},
  ): AdmissionRefusal => ({ admitted: false, code, message, ticketed, ...extra });
  const plan = (raw as { plan?: unknown } | null | undefined)?.plan;
  if (plan !== undefined && typeof plan !== 'string')
    return refuse('InlinePlan', 'plan: must be the name of a deployed plan; an inline plan is refused');
  const parsed = planRunStartSchema.safeParse(raw);
  if (!parsed.success)
    return refuse(
      'InvalidStart',
      `the start input is not one Lifeboat writes: ${parsed.error.issues[0]?.path.join('.') ?? ''}`,
    );
  const start = parsed.data;
  const ids = { runId: start.runId, plan: start.plan };
  if (start.runId !== instanceId)
    return refuse(
      'TicketMismatch',
      `the run id ${start.runId} is not the instance id ${instanceId}`,
      false,
      ids,
    );
  if (ticket === undefined)
    return refuse(
      'NoTicket',
      `no start ticket for ${start.runId}: runs start through POST /api/drills, POST /api/failovers or an alert`,
      false,
      ids,
    );
  if (canonicalJson(ticket.input) !== canonicalJson(start))
    return refuse(
      'TicketMismatch',
      `the start input of ${start.runId} is not the one its route recorded`,
      false,
      ids,
    );
  const age = now.getTime() - Date.parse(ticket.writtenAt);
  if (!(age <= TICKET_MAX_AGE_MS))
    return refuse(
      'TicketExpired',
      `the start ticket of ${start.runId} is older than ${TICKET_MAX_AGE_MS / 60_000} minutes`,
      false,
      ids,
    );
  if (start.mode === 'failover' && !failoversEnabled)
    return refuse(
      'FailoversDisabled',
      'failovers are switched off (LIFEBOAT_FAILOVERS_ENABLED=false): nothing was changed',
      true,
      ids,
    );
  const entry = entries.find((e) => e.name === start.plan);
  if (entry === undefined) return refuse('PlanNotFound', `no deployed plan named '${start.plan}'`, true, ids);
  if (!entry.valid || entry.plan === undefined || entry.sha256 === undefined)
    return refuse('PlanInvalid', `plan '${start.plan}' is invalid now: nothing was changed`, true, ids);
  if (entry.sha256 !== start.planSha256)
    return refuse(
      'PlanChanged',
      `plan '${start.plan}' changed since the run was requested (sha256 ${entry.sha256.slice(0, 12)}…, requested ${start.planSha256.slice(0, 12)}…): nothing was changed`,
      true,
      ids,
    );
  return { admitted: true, input: { ...start, plan: entry.plan } };
}

/**
 * Admits a raw `planRun` start ({@link decideAdmission}) and claims its ticket for this execution
 * (`claim` is deterministic per execution: a retried activity claims again, a restarted instance
 * with the same id and input does not).
 */
export async function admitPlanRun(
  raw: unknown,
  instanceId: string,
  claim: string,
  deps: {
    records: PlanRecords;
    entries: readonly AdmissionEntry[];
    failoversEnabled: boolean;
    now: Date;
  },
): Promise<Admission> {
  const runId = (raw as { runId?: unknown } | null | undefined)?.runId;
  const ticket =
    typeof runId === 'string' && runId === instanceId ? await deps.records.readTicket(runId) : undefined;
  const admission = decideAdmission(raw, instanceId, ticket, deps.entries, deps.failoversEnabled, deps.now);
  if (!admission.admitted) return admission;
  const held = await deps.records.claimTicket(admission.input.runId, claim);
  if (held !== claim)
    return {
      admitted: false,
      code: 'TicketUsed',
      message: `the start ticket of ${admission.input.runId} was already used by another execution`,
      ticketed: false,
      runId: admission.input.runId,
      plan: admission.input.plan.name,
    };
  return admission;
}

// ------------------------------------------------------------------------------------------------
// Requests: decisions and alerts for a run, recorded by the routes

export const REQUEST_KINDS = ['approve', 'reject', 'cancel', 'alert', 'resolved'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** One request for a run, as the route (or the alert queue, or a preempting starter) recorded it. */
export const planRequestSchema = z.strictObject({
  /** `<time stamp>-<random>`: names sort in arrival order. */
  id: z.string().regex(/^\d{8}T\d{9}Z-[a-z0-9]{1,32}$/),
  runId: z.string().min(1).max(200),
  kind: z.enum(REQUEST_KINDS),
  by: actorSchema.optional(),
  at: z.string().max(40),
  comment: z.string().max(500).optional(),
  reason: z.string().max(500).optional(),
  /** A cancel from a failover preempting this drill. */
  preemptedBy: z.string().max(200).optional(),
  /** The alert of an `alert` or `resolved` request. */
  alert: alertReportSchema.optional(),
});
export type PlanRequest = z.infer<typeof planRequestSchema>;

/** A request id: sortable by time (to the millisecond), unique by its random tail. */
export function newRequestId(now: Date, random: string): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${random
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 32)
    .toLowerCase()}`;
}

/** The event that rings a run's bell: only the id of a request record (the record says the rest). */
export interface RequestBell {
  type: 'request';
  id: string;
}

// ------------------------------------------------------------------------------------------------
// Manual steps (issue 22 item 5): `done` or `abort`, recorded by the route like any request

export const STEP_DECISIONS = ['done', 'abort'] as const;
export type StepDecisionKind = (typeof STEP_DECISIONS)[number];

/**
 * A person's decision on a manual step, as the authenticated route recorded it (create-only,
 * under its own prefix so a run's request listing never reads it). The bell on the step's
 * instance carries only its id; the step reads the records itself.
 */
export const stepDecisionSchema = z.strictObject({
  id: z.string().regex(/^\d{8}T\d{9}Z-[a-z0-9]{1,32}$/),
  runId: z.string().min(1).max(200),
  stepId: z.string().min(1).max(40),
  decision: z.enum(STEP_DECISIONS),
  by: actorSchema,
  at: z.string().max(40),
  comment: z.string().max(500).optional(),
});
export type StepDecision = z.infer<typeof stepDecisionSchema>;

const paths = {
  ticket: (runId: string) => `tickets/${runId}.json`,
  claim: (runId: string) => `tickets/${runId}.claim.json`,
  requests: (runId: string) => `requests/${runId}/`,
  request: (runId: string, id: string) => `requests/${runId}/${id}.json`,
  stepDecisions: (runId: string, stepId: string) => `step-decisions/${runId}/${stepId}/`,
  stepDecision: (runId: string, stepId: string, id: string) => `step-decisions/${runId}/${stepId}/${id}.json`,
} as const;

/** Tickets and requests in storage. Every write is create-only (If-None-Match: *). */
export interface PlanRecords {
  writeTicket(ticket: StartTicket): Promise<void>;
  readTicket(runId: string): Promise<StartTicket | undefined>;
  /** Claims the ticket for `claim`; returns the claim that holds it (this one, or an earlier one). */
  claimTicket(runId: string, claim: string): Promise<string>;
  writeRequest(request: PlanRequest): Promise<void>;
  /**
   * The requests of a run, in arrival order (by id), leaving out the ids in `skip` (already
   * decided: not downloaded again) and records that do not parse.
   */
  listRequests(runId: string, skip?: ReadonlySet<string>): Promise<PlanRequest[]>;
  /** Records a decision on a manual step (create-only). */
  writeStepDecision(decision: StepDecision): Promise<void>;
  /** The decisions on a manual step, in arrival order; records that do not parse are left out. */
  listStepDecisions(runId: string, stepId: string): Promise<StepDecision[]>;
}

function statusOf(error: unknown): number | undefined {
  const s = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function unavailable(what: string, error: unknown): TransientError {
  return new TransientError(`plan records: ${what} failed (status ${statusOf(error) ?? 'none'})`, {
    code: 'PlanStoreUnavailable',
    cause: error,
  });
}

/** {@link PlanRecords} on the plans container (created on first use). */
export function createPlanRecords(container: ContainerClient): PlanRecords {
  let ensured: Promise<unknown> | undefined;
  const ensure = async () => {
    ensured ??= container.createIfNotExists().catch((error: unknown) => {
      ensured = undefined;
      throw unavailable('creating the container', error);
    });
    await ensured;
  };
  async function read(name: string): Promise<string | undefined> {
    await ensure();
    try {
      const buffer = await container.getBlobClient(name).downloadToBuffer();
      return buffer.toString('utf8');
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw unavailable(`reading ${name}`, error);
    }
  }
  /** Creates `name`; false when it already exists (never overwritten). */
  async function create(name: string, value: unknown): Promise<boolean> {
    await ensure();
    const text = JSON.stringify(value);
    try {
      await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      return true;
    } catch (error) {
      if (statusOf(error) === 409 || statusOf(error) === 412) return false;
      throw unavailable(`writing ${name}`, error);
    }
  }
  const parseOr = <T>(schema: z.ZodType<T>, text: string | undefined): T | undefined => {
    if (text === undefined) return undefined;
    try {
      const parsed = schema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    async writeTicket(ticket) {
      if (!(await create(paths.ticket(ticket.runId), ticket)))
        throw new TransientError(`a start ticket for ${ticket.runId} already exists`, {
          code: 'TicketExists',
        });
    },
    async readTicket(runId) {
      return parseOr(startTicketSchema, await read(paths.ticket(runId)));
    },
    async claimTicket(runId, claim) {
      if (await create(paths.claim(runId), { claim })) return claim;
      const held = parseOr(z.object({ claim: z.string() }), await read(paths.claim(runId)));
      return held?.claim ?? '(unreadable)';
    },
    async writeRequest(request) {
      if (!(await create(paths.request(request.runId, request.id), request)))
        throw new TransientError(`request ${request.id} of ${request.runId} already exists`, {
          code: 'RequestExists',
        });
    },
    async listRequests(runId) {
      await ensure();
      const names: string[] = [];
      try {
        for await (const blob of container.listBlobsFlat({ prefix: paths.requests(runId) }))
          names.push(blob.name);
      } catch (error) {
        throw unavailable(`listing the requests of ${runId}`, error);
      }
      names.sort();
      const out: PlanRequest[] = [];
      for (const name of names) {
        const request = parseOr(planRequestSchema, await read(name));
        // A record is the run's only if its name says so: a copy under another name is not one.
        if (request !== undefined && request.runId === runId && name === paths.request(runId, request.id))
          out.push(request);
      }
      return out;
    },
    async writeStepDecision(decision) {
      if (!(await create(paths.stepDecision(decision.runId, decision.stepId, decision.id), decision)))
        throw new TransientError(
          `decision ${decision.id} on ${decision.runId}/${decision.stepId} already exists`,
          {
            code: 'RequestExists',
          },
        );
    },
    async listStepDecisions(runId, stepId) {
      await ensure();
      const names: string[] = [];
      const prefix = paths.stepDecisions(runId, stepId);
      try {
        for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
      } catch (error) {
        throw unavailable(`listing the decisions on ${runId}/${stepId}`, error);
      }
      names.sort();
      const out: StepDecision[] = [];
      // At most a hundred: a step is decided by its first; the rest are only kept as ignored.
      for (const name of names.slice(0, 100)) {
        const decision = parseOr(stepDecisionSchema, await read(name));
        if (
          decision !== undefined &&
          decision.runId === runId &&
          decision.stepId === stepId &&
          name === paths.stepDecision(runId, stepId, decision.id)
        )
          out.push(decision);
      }
      return out;
    },
  };
}

/** Records a request, then rings the run's bell (the event carries only the request id). */
export async function sendRequest(
  client: { raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> },
  records: PlanRecords,
  request: PlanRequest,
  event: string,
  ring: (raise: () => Promise<void>) => Promise<void> = (raise) => raise(),
): Promise<void> {
  await records.writeRequest(request);
  const bell: RequestBell = { type: 'request', id: request.id };
  await ring(() => client.raiseEvent(request.runId, event, bell));
}

/**
 * Records a decision on a manual step, then rings the step's bell (the event carries only the
 * id). `gone`: the step's flow had ended meanwhile (the record stays, and decides nothing).
 */
export async function sendStepDecision(
  client: { raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> },
  records: PlanRecords,
  decision: StepDecision,
  event: string,
): Promise<'rung' | 'gone'> {
  await records.writeStepDecision(decision);
  const bell: RequestBell = { type: 'request', id: decision.id };
  try {
    await client.raiseEvent(`${decision.runId}-step-${decision.stepId}`, event, bell);
    return 'rung';
  } catch (error) {
    // durable-functions rejects a 404 (no such instance); a 410 (it has ended) resolves quietly.
    if (/No instance with ID/.test(String(error))) return 'gone';
    throw error;
  }
}

export type { PlanRunStart };

// ------------------------------------------------------------------------------------------------
// Step children: a `planStep` runs only as a step its run started

/** Whether a `planStep` start is its run's own (pure): see {@link admitPlanStep}. */
export function decideStepAdmission(
  raw: unknown,
  instanceId: string,
  found: {
    ticket: StartTicket | undefined;
    entries: readonly AdmissionEntry[];
    /** The step's status in the run's report, if the report has it. */
    stepStatus: string | undefined;
  },
): { admitted: true } | { admitted: false; code: string; message: string } {
  const refuse = (code: string, message: string) => ({ admitted: false as const, code, message });
  const input = raw as
    | { runId?: unknown; step?: { id?: unknown }; mode?: unknown; notify?: { instanceId?: unknown } }
    | null
    | undefined;
  const runId = typeof input?.runId === 'string' ? input.runId : '';
  const stepId = typeof input?.step?.id === 'string' ? input.step.id : '';
  if (instanceId !== `${runId}-step-${stepId}` || input?.notify?.instanceId !== runId)
    return refuse(
      'NotStartedByRun',
      `${instanceId}: a plan step runs only under its run (${runId}-step-${stepId})`,
    );
  const ticket = found.ticket;
  if (ticket === undefined || ticket.input.mode !== input.mode)
    return refuse('NoTicket', `${runId} is not a run Lifeboat started in mode ${String(input.mode)}`);
  // A failback's steps do other work than a failover's (issue 23): the direction must be the run's.
  if ((ticket.input.failback === true) !== ((raw as { failback?: unknown }).failback === true))
    return refuse('NoTicket', `${runId} is not a run Lifeboat started in that direction (failback or not)`);
  const entry = found.entries.find((e) => e.name === ticket.input.plan);
  if (entry?.plan === undefined || entry.sha256 !== ticket.input.planSha256)
    return refuse('PlanChanged', `plan '${ticket.input.plan}' is not the one ${runId} was started with`);
  const planned = entry.plan.groups.flatMap((g) => g.steps).find((s) => s.id === stepId);
  if (planned === undefined || canonicalJson(planned) !== canonicalJson(input.step))
    return refuse('StepMismatch', `step '${stepId}' is not the plan's step of that id`);
  if (found.stepStatus !== 'running')
    return refuse(
      'StepNotStarted',
      `${runId} has not started step '${stepId}' (${found.stepStatus ?? 'unknown'})`,
    );
  return { admitted: true };
}

/**
 * Admits a `planStep` start: under its run's instance id scheme, for a run with a start ticket in
 * the same mode, the deployed plan's step of that id exactly, which the run's report shows running
 * (the run writes its report before it starts a group's steps).
 */
export async function admitPlanStep(
  raw: unknown,
  instanceId: string,
  deps: {
    records: PlanRecords;
    readReport: (
      runId: string,
    ) => Promise<{ groups: { steps: { id: string; status: string }[] }[] } | undefined>;
    entries: readonly AdmissionEntry[];
  },
): Promise<{ admitted: true } | { admitted: false; code: string; message: string }> {
  const input = raw as { runId?: unknown; step?: { id?: unknown } } | null | undefined;
  const runId = typeof input?.runId === 'string' ? input.runId : undefined;
  if (runId === undefined)
    return decideStepAdmission(raw, instanceId, { ticket: undefined, entries: [], stepStatus: undefined });
  const [ticket, report] = await Promise.all([deps.records.readTicket(runId), deps.readReport(runId)]);
  const stepStatus = report?.groups.flatMap((g) => g.steps).find((s) => s.id === input?.step?.id)?.status;
  return decideStepAdmission(raw, instanceId, { ticket, entries: deps.entries, stepStatus });
}

export { canonicalJson };
