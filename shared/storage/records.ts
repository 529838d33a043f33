import type { ContainerClient } from '@azure/storage-blob';
import type { z } from 'zod';
import { formatIssues, NonRetryableError, TransientError } from '../errors';

/**
 * The one blob record store: JSON records parsed by a zod schema, read with their ETag, written
 * conditionally (create = If-None-Match: *, replace = If-Match), updated read-modify-write with
 * ETag retries, listed by name prefix (a record's name carries its index: day, service, run).
 * Every store of the app (plans, alerts, relay, heartbeats, accepted operations, catalog
 * summaries) is one or more of these over its container, so there is one `statusOf`, one
 * classification of storage failures, and one conditional-write loop.
 *
 * A missing container reads as no record and lists as nothing; the first write creates it,
 * private (no `access` option), and writes again. The `@azure/storage-blob` types are imported
 * for their shape only: callers pass a ContainerClient from the lazily loaded SDK
 * (shared/storage/index.ts).
 */

/** The HTTP status of a failed storage (or ARM) call, when it has one. */
export function statusOf(error: unknown): number | undefined {
  const s = (error as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** The storage error code of a failed request (`ContainerNotFound`), else `Http<status>`, else the error's name. */
export function storageErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string' && code !== '') return code;
  const status = statusOf(error);
  if (status !== undefined) return `Http${status}`;
  return error instanceof Error ? error.name : 'UnknownError';
}

/** Whether a failure is "no such blob" (or no such container). */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** Whether a conditional write lost: 412 (If-Match) or 409 (If-None-Match: * on an existing blob). */
export function isConditionFailed(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409;
}

function isRestError(error: unknown): boolean {
  return error instanceof Error && error.name === 'RestError';
}

/**
 * Maps a storage failure to the retry taxonomy (threats-and-faults.md: the SDK does not retry
 * 429/408/409): 408/409/429/5xx and failures without a status (network) are transient, other
 * statuses are not. Errors already classified pass through. The message names `what` and the
 * code, never the SDK's message (it may carry a URL with a SAS).
 */
export function classifyStorageError(error: unknown, what: string): Error {
  if (error instanceof NonRetryableError || error instanceof TransientError) return error;
  if (isRestError(error)) {
    const status = statusOf(error);
    const code = storageErrorCode(error);
    if (status === undefined || status === 408 || status === 409 || status === 429 || status >= 500) {
      return new TransientError(`${what} failed (${code}); retrying may help`, { code, cause: error });
    }
    return new NonRetryableError(`${what} failed (${code}, HTTP ${status})`, { code, cause: error });
  }
  return new TransientError(
    `${what} failed (${error instanceof Error ? error.name : 'unknown error'}); retrying may help`,
    { cause: error },
  );
}

// ------------------------------------------------------------------------------------------------
// Text blobs: the primitive the records are built on (and what reports and payloads use directly)

/** A blob's text and the ETag of exactly that version. */
export interface BlobText {
  text: string;
  etag: string;
}

/** A write's precondition: only if absent, or only if unchanged since `ifMatch` was read. */
export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/**
 * Reads a blob's text and ETag from one response (a conditional write must be based on exactly the
 * version that was read). Undefined when the blob or its container does not exist.
 */
export async function readBlobText(
  container: ContainerClient,
  name: string,
  label = container.containerName,
): Promise<BlobText | undefined> {
  try {
    const res = await container.getBlobClient(name).download();
    const chunks: Buffer[] = [];
    for await (const chunk of res.readableStreamBody ?? [])
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return { text: Buffer.concat(chunks).toString('utf8'), etag: res.etag ?? '' };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw classifyStorageError(error, `${label}: reading ${name}`);
  }
}

/**
 * Writes a blob's text, under `condition` when given. Returns the new ETag, or undefined when the
 * condition failed (someone else created or changed it first). Creates the container (private)
 * when it does not exist yet.
 */
export async function writeBlobText(
  container: ContainerClient,
  name: string,
  text: string,
  options: { contentType: string; condition?: WriteCondition | undefined; label?: string },
): Promise<string | undefined> {
  const upload = async () =>
    (
      await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
        ...(options.condition === undefined ? {} : { conditions: options.condition }),
        blobHTTPHeaders: { blobContentType: options.contentType },
      })
    ).etag ?? '';
  try {
    try {
      return await upload();
    } catch (error) {
      if (storageErrorCode(error) !== 'ContainerNotFound') throw error;
      await container.createIfNotExists();
      return await upload();
    }
  } catch (error) {
    if (options.condition !== undefined && isConditionFailed(error)) return undefined;
    throw classifyStorageError(error, `${options.label ?? container.containerName}: writing ${name}`);
  }
}

/** Names of the blobs under `prefix` (in the service's order: lexical). None when the container does not exist. */
export async function listBlobNames(
  container: ContainerClient,
  prefix: string,
  label = container.containerName,
): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const item of container.listBlobsFlat({ prefix })) names.push(item.name);
  } catch (error) {
    if (storageErrorCode(error) === 'ContainerNotFound') return [];
    throw classifyStorageError(error, `${label}: listing ${prefix}`);
  }
  return names;
}

// ------------------------------------------------------------------------------------------------
// Typed records

/** A record as read: its value and the ETag to condition the next write on. */
export interface StoredRecord<T> {
  value: T;
  etag: string;
}

/** Options of {@link recordStore}. */
export interface RecordStoreOptions<T> {
  container: ContainerClient;
  /** Parses a stored record (a record that does not parse is corrupt). */
  schema: z.ZodType<T>;
  /** Who is asking, for messages (`alert store`). Default: the container name. */
  label?: string;
  /**
   * A corrupt record (not JSON, or not matching the schema): `error` (default) throws a
   * NonRetryableError `RecordCorrupt` naming the blob; `absent` reads it as no record (for
   * records whose loss only costs a fallback, such as a cached summary). Either way `update`
   * overwrites it only under its ETag.
   */
  corrupt?: 'error' | 'absent';
}

/** Options of {@link RecordStore.update}. */
export interface UpdateOptions {
  /** Read-modify-write attempts before giving up with a TransientError `RecordContended` (default 8). */
  attempts?: number;
  /** Pause before attempt `n` (1-based) after a lost write; default a short jitter growing to 100 ms. */
  backoffMs?: (attempt: number) => number;
}

/** Typed records in one container. */
export interface RecordStore<T> {
  readonly container: ContainerClient;
  /** The record and its ETag; undefined when there is none. */
  read(name: string): Promise<StoredRecord<T> | undefined>;
  /** Creates the record only if none exists (If-None-Match: *): its ETag, or undefined when one exists. */
  create(name: string, value: T): Promise<string | undefined>;
  /** Replaces the record only if it still has `etag` (If-Match): the new ETag, or undefined when it changed. */
  replace(name: string, value: T, etag: string): Promise<string | undefined>;
  /** Writes the record unconditionally (last writer wins): its ETag. */
  put(name: string, value: T): Promise<string>;
  /**
   * Read-modify-write with ETag retries: `change` gets the current value (undefined when none)
   * and returns (or resolves to) the next one, or undefined to leave the record as it is. Concurrent updates never
   * lose each other's change. Returns the value stored afterwards.
   */
  update(
    name: string,
    change: (current: T | undefined) => T | undefined | Promise<T | undefined>,
    options?: UpdateOptions,
  ): Promise<T | undefined>;
  /** Deletes the record (only if it still has `etag`, when given): whether this call deleted it. */
  remove(name: string, etag?: string): Promise<boolean>;
  /** Record names under `prefix` (a name's path is its index: `decisions/<day>/`, `_operations/<service>/`). */
  list(prefix: string): Promise<string[]>;
}

const JSON_TYPE = 'application/json';

const jitter = (attempt: number) => Math.floor(Math.random() * Math.min(5 + attempt * 5, 100));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A {@link RecordStore} of `schema` records over `container`. */
export function recordStore<T>(options: RecordStoreOptions<T>): RecordStore<T> {
  const { container, schema } = options;
  const label = options.label ?? container.containerName;
  const corrupt = options.corrupt ?? 'error';

  /** The parsed value (undefined when corrupt and `absent`) and the ETag of the version read. */
  async function load(name: string): Promise<{ value: T | undefined; etag: string } | undefined> {
    const found = await readBlobText(container, name, label);
    if (found === undefined) return undefined;
    let json: unknown;
    let problem: string | undefined;
    try {
      json = JSON.parse(found.text) as unknown;
    } catch {
      problem = 'not JSON';
    }
    if (problem === undefined) {
      const parsed = schema.safeParse(json);
      if (parsed.success) return { value: parsed.data, etag: found.etag };
      problem = formatIssues(parsed.error.issues, { max: 3 });
    }
    if (corrupt === 'absent') return { value: undefined, etag: found.etag };
    throw new NonRetryableError(
      `${label}: record ${container.containerName}/${name} is corrupt (${problem}); retrying will not help: repair or delete the blob`,
      { code: 'RecordCorrupt' },
    );
  }

  const write = (name: string, value: T, condition?: WriteCondition) =>
    writeBlobText(container, name, JSON.stringify(value), { contentType: JSON_TYPE, condition, label });

  return {
    container,
    async read(name) {
      const found = await load(name);
      return found?.value === undefined ? undefined : { value: found.value, etag: found.etag };
    },
    create: (name, value) => write(name, value, { ifNoneMatch: '*' }),
    replace: (name, value, etag) => write(name, value, { ifMatch: etag }),
    async put(name, value) {
      return (await write(name, value)) ?? '';
    },
    async update(name, change, updateOptions = {}) {
      const attempts = updateOptions.attempts ?? 8;
      const backoff = updateOptions.backoffMs ?? jitter;
      for (let attempt = 0; attempt < attempts; attempt++) {
        if (attempt > 0) await sleep(backoff(attempt));
        const current = await load(name);
        const next = await change(current?.value);
        if (next === undefined) return current?.value;
        const written = await write(
          name,
          next,
          current === undefined ? { ifNoneMatch: '*' } : { ifMatch: current.etag },
        );
        if (written !== undefined) return next;
      }
      throw new TransientError(`${label}: ${name} kept changing (${attempts} attempts); retrying may help`, {
        code: 'RecordContended',
      });
    },
    async remove(name, etag) {
      try {
        const res = await container
          .getBlobClient(name)
          .deleteIfExists(etag === undefined ? {} : { conditions: { ifMatch: etag } });
        return res.succeeded;
      } catch (error) {
        // 412: it changed since `etag` was read (someone else's now); 404: its container is gone.
        if (statusOf(error) === 412 || isNotFound(error)) return false;
        throw classifyStorageError(error, `${label}: deleting ${name}`);
      }
    },
    list: (prefix) => listBlobNames(container, prefix, label),
  };
}
