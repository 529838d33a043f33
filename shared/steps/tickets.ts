import type { ContainerClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TransientError } from '../errors';
import { canonicalJson } from '../contracts/envelope';
import type { Env } from '../storage';

/**
 * Flow start tickets (issue 20): the Durable HTTP API lets anyone holding the system key start any
 * orchestrator with any input, so a flow that can change production (a failover) runs only when
 * Lifeboat started it: as a sub-orchestration of a flow that was itself admitted, or with a
 * ticket that Lifeboat's own starter wrote just before starting it (the `startFlow` activity, the
 * POST /api/restores route). A ticket names the instance, the orchestrator and the sha256 of the
 * exact input; the flow claims it once per execution, so a finished flow cannot be run again with
 * its own input. Container `lifeboat-flows`: `tickets/<instanceId>.json`, `claims/<instanceId>.json`.
 */

export const FLOWS_CONTAINER = 'lifeboat-flows';

export const flowTicketSchema = z.strictObject({
  instanceId: z.string().min(1).max(256),
  name: z.string().min(1).max(128),
  inputSha256: z.string().regex(/^[0-9a-f]{64}$/),
  writtenAt: z.string().max(40),
});
export type FlowTicket = z.infer<typeof flowTicketSchema>;

/** How long a ticket admits its flow after it was written (the starter starts it at once). */
export const FLOW_TICKET_MAX_AGE_MS = 15 * 60_000;

/** The sha256 of an input as a ticket records it (key order does not matter). */
export function inputSha256(input: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(input ?? null), 'utf8')
    .digest('hex');
}

export type FlowAdmission = { admitted: true } | { admitted: false; code: string; message: string };

/** Whether a top-level start is Lifeboat's own (pure): its ticket, for this flow and input, fresh. */
export function decideFlowAdmission(
  start: { name: string; instanceId: string; input: unknown },
  ticket: FlowTicket | undefined,
  now: Date,
): FlowAdmission {
  const refuse = (code: string, message: string): FlowAdmission => ({ admitted: false, code, message });
  if (ticket === undefined)
    return refuse(
      'NotStartedByLifeboat',
      `${start.name} ${start.instanceId}: a failover flow runs only when Lifeboat starts it (a recovery plan, or its route)`,
    );
  if (ticket.name.toLowerCase() !== start.name.toLowerCase() || ticket.instanceId !== start.instanceId)
    return refuse('TicketMismatch', `${start.instanceId}: its ticket is for another flow`);
  if (ticket.inputSha256 !== inputSha256(start.input))
    return refuse('TicketMismatch', `${start.instanceId}: its input is not the one Lifeboat recorded`);
  if (!(now.getTime() - Date.parse(ticket.writtenAt) <= FLOW_TICKET_MAX_AGE_MS))
    return refuse(
      'TicketExpired',
      `${start.instanceId}: its ticket is older than ${FLOW_TICKET_MAX_AGE_MS / 60_000} minutes`,
    );
  return { admitted: true };
}

/** Tickets in storage: create-only writes. */
export interface FlowTickets {
  write(ticket: FlowTicket): Promise<void>;
  read(instanceId: string): Promise<FlowTicket | undefined>;
  /** Claims the ticket for `claim`; returns the claim that holds it (this one, or an earlier one). */
  claim(instanceId: string, claim: string): Promise<string>;
}

function statusOf(error: unknown): number | undefined {
  const s = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** {@link FlowTickets} on a container (created on first use). */
export function createFlowTickets(container: ContainerClient): FlowTickets {
  let ensured: Promise<unknown> | undefined;
  const fail = (what: string, error: unknown) =>
    new TransientError(`flow tickets: ${what} failed (status ${statusOf(error) ?? 'none'})`, {
      code: 'FlowTicketsUnavailable',
      cause: error,
    });
  const ensure = async () => {
    ensured ??= container.createIfNotExists().catch((error: unknown) => {
      ensured = undefined;
      throw fail('creating the container', error);
    });
    await ensured;
  };
  const create = async (name: string, value: unknown): Promise<boolean> => {
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
      throw fail(`writing ${name}`, error);
    }
  };
  const read = async (name: string): Promise<unknown> => {
    await ensure();
    try {
      return JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString('utf8')) as unknown;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      if (error instanceof SyntaxError) return undefined;
      throw fail(`reading ${name}`, error);
    }
  };
  return {
    async write(ticket) {
      // A new start of the same id (a restore target's singleton) gets a new ticket: the claim
      // below, not the ticket, keeps one execution per start.
      await ensure();
      const text = JSON.stringify(ticket);
      try {
        await container
          .getBlockBlobClient(`tickets/${ticket.instanceId}.json`)
          .upload(text, Buffer.byteLength(text), {
            blobHTTPHeaders: { blobContentType: 'application/json' },
          });
        await container.getBlobClient(`claims/${ticket.instanceId}.json`).deleteIfExists();
      } catch (error) {
        throw fail(`writing the ticket of ${ticket.instanceId}`, error);
      }
    },
    async read(instanceId) {
      const parsed = flowTicketSchema.safeParse(await read(`tickets/${instanceId}.json`));
      return parsed.success ? parsed.data : undefined;
    },
    async claim(instanceId, claim) {
      if (await create(`claims/${instanceId}.json`, { claim })) return claim;
      const held = z.object({ claim: z.string() }).safeParse(await read(`claims/${instanceId}.json`));
      return held.success ? held.data.claim : '(unreadable)';
    },
  };
}

const made = new Map<string, FlowTickets>();

/**
 * Admits a top-level start of a flow that must be Lifeboat's own: its ticket (pure rules in
 * {@link decideFlowAdmission}), claimed once for this execution.
 */
export async function admitFlowStart(
  start: { name: string; instanceId: string; input: unknown; claim: string },
  tickets: FlowTickets,
  now: Date,
): Promise<FlowAdmission> {
  const decision = decideFlowAdmission(start, await tickets.read(start.instanceId), now);
  if (!decision.admitted) return decision;
  const held = await tickets.claim(start.instanceId, start.claim);
  return held === start.claim
    ? decision
    : {
        admitted: false,
        code: 'TicketUsed',
        message: `${start.instanceId}: its ticket was already used by another execution`,
      };
}

/** The app's flow tickets (AzureWebJobsStorage), one per endpoint. */
export async function flowTickets(env: Env = process.env): Promise<FlowTickets> {
  const { blobServiceClient, resolveAppBlobs } = await import('../storage');
  const blobs = await blobServiceClient(resolveAppBlobs(env));
  let tickets = made.get(blobs.url);
  if (tickets === undefined) {
    tickets = createFlowTickets(blobs.getContainerClient(FLOWS_CONTAINER));
    made.set(blobs.url, tickets);
  }
  return tickets;
}

/** A durable client whose `startNew` records the flow's ticket first (Lifeboat's own starters use it). */
export function ticketingClient<
  C extends { startNew(name: string, options: { instanceId: string; input?: unknown }): Promise<string> },
>(client: C, tickets: FlowTickets, now: () => Date = () => new Date()): C {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key !== 'startNew') {
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return async (name: string, options: { instanceId: string; input?: unknown }) => {
        await tickets.write({
          instanceId: options.instanceId,
          name,
          inputSha256: inputSha256(options.input),
          writtenAt: now().toISOString(),
        });
        return target.startNew(name, options);
      };
    },
  });
}
