import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { HistoryEvent } from './history';
import type { InboxItem, Instance, Pending, RetryChain, RuntimeStatus, Scheduled } from './instance';

/**
 * The task hub in Azure Storage (Azurite), so a host killed with `kill -9` and started again on
 * the same storage carries on every run (issue 24). The layout follows the Azure Storage
 * provider's split, in blobs (the embedded Azurite serves tables only when its table service
 * runs; blobs need nothing more):
 *
 * - `instances/{id}.json`: one blob per instance with its history, status, pending work (activities
 *   scheduled, sub-orchestrations started, durable timers with their fire-at) and how many of its
 *   messages the history already holds (`consumed`). It is written once per episode, after the
 *   replay and before anything the episode scheduled is started, so an episode commits in one
 *   write (the provider's history table batch plus instance row).
 * - `messages/{id}/{seq}.json`: one blob per message to the instance (the provider's control
 *   queue): ExecutionStarted, an activity's result, a fired timer, a raised event, a child's end.
 *   Written when it is sent; those with `seq <= consumed` are in the history and are deleted.
 *
 * On start the host reads both: messages not yet consumed go back into the inboxes; activities
 * scheduled and not completed are dispatched again (at least once, as the real provider: an
 * activity may run twice after a crash); timers are set again; a sub-orchestration that is
 * missing is started, one that ended has its end delivered to its parent.
 */

/** The container the local host keeps its task hub in (one per hub name). */
export function taskHubContainer(hubName: string): string {
  const name = `lifeboat-host-${hubName.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 63);
  return name.replace(/-+$/, '');
}

/** A pending item as stored (a timer's cancel function is not stored: it is set again on load). */
type StoredPending =
  | { kind: 'activity'; chain: RetryChain | undefined }
  | { kind: 'sub'; childId: string; chain: RetryChain | undefined }
  | { kind: 'timer'; fireAt: number; role: Extract<Pending, { kind: 'timer' }>['role'] };

/** One instance as its blob holds it. */
export interface StoredInstance {
  readonly instanceId: string;
  readonly name: string;
  readonly version: string;
  readonly status: RuntimeStatus;
  readonly inputJson: string | null;
  readonly outputJson: string | null;
  readonly customStatus: unknown;
  readonly carryOverCustomStatus: boolean;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
  readonly history: HistoryEvent[];
  readonly pending: [number, StoredPending][];
  readonly scheduled: Scheduled[];
  readonly nextSeq: number;
  readonly suspended: boolean;
  readonly parent: Instance['parent'];
  readonly generation: number;
  /** Messages up to this sequence number are in the history (or were dropped by the execution). */
  readonly consumed: number;
  readonly messageSeq: number;
}

/** One message to an instance as its blob holds it. */
export interface StoredMessage {
  readonly seq: number;
  readonly event: InboxItem['event'];
}

/** What the task hub in storage holds. */
export interface StoredTaskHub {
  readonly instances: StoredInstance[];
  /** Messages by instance id, in sequence order. */
  readonly messages: ReadonlyMap<string, StoredMessage[]>;
}

/** The storage the engine commits to (./persistence.ts); {@link blobTaskHubStore} in Azurite. */
export interface TaskHubStore {
  /** Reads the whole task hub (on start). */
  load(): Promise<StoredTaskHub>;
  /** Replaces an instance's blob (one write: the episode's commit). */
  saveInstance(instance: StoredInstance): Promise<void>;
  /** Writes one message to an instance. */
  saveMessage(instanceId: string, message: StoredMessage): Promise<void>;
  /** Deletes one message (consumed: its event is in the history). */
  deleteMessage(instanceId: string, seq: number): Promise<void>;
  /** Deletes an instance and its messages (purge). */
  deleteInstance(instanceId: string): Promise<void>;
}

/** Serialises an instance for its blob. */
export function storedInstance(instance: Instance): StoredInstance {
  const pending: [number, StoredPending][] = [...instance.pending].map(([id, p]) => [
    id,
    p.kind === 'timer' ? { kind: 'timer', fireAt: p.fireAt, role: p.role } : p,
  ]);
  const first = instance.inbox.find((item) => item.seq !== undefined)?.seq;
  return {
    instanceId: instance.instanceId,
    name: instance.name,
    version: instance.version,
    status: instance.status,
    inputJson: instance.inputJson,
    outputJson: instance.outputJson,
    customStatus: instance.customStatus,
    carryOverCustomStatus: instance.carryOverCustomStatus,
    createdTime: instance.createdTime.toISOString(),
    lastUpdatedTime: instance.lastUpdatedTime.toISOString(),
    history: instance.history,
    pending,
    scheduled: instance.scheduled,
    nextSeq: instance.nextSeq,
    suspended: instance.suspended,
    parent: instance.parent,
    generation: instance.generation,
    consumed: first === undefined ? instance.messageSeq : first - 1,
    messageSeq: instance.messageSeq,
  };
}

/** An instance loaded from its blob and its unconsumed messages (timers are set again by adopt). */
export function loadedInstance(stored: StoredInstance, messages: readonly StoredMessage[]): Instance {
  const inbox = messages
    .filter((m) => m.seq > stored.consumed)
    .sort((a, b) => a.seq - b.seq)
    .map((m): InboxItem => ({ event: m.event, seq: m.seq }));
  const lastSeq = messages.reduce((max, m) => Math.max(max, m.seq), stored.messageSeq);
  const pending = new Map<number, Pending>(
    stored.pending.map(([id, p]) => [id, p.kind === 'timer' ? { ...p, cancel: () => undefined } : p]),
  );
  return {
    instanceId: stored.instanceId,
    name: stored.name,
    version: stored.version,
    rejected: undefined,
    status: stored.status,
    inputJson: stored.inputJson,
    outputJson: stored.outputJson,
    customStatus: stored.customStatus,
    carryOverCustomStatus: stored.carryOverCustomStatus,
    createdTime: new Date(stored.createdTime),
    lastUpdatedTime: new Date(stored.lastUpdatedTime),
    history: stored.history,
    inbox,
    pending,
    scheduled: stored.scheduled,
    nextSeq: stored.nextSeq,
    pumping: false,
    inEpisode: false,
    suspended: stored.suspended,
    parent: stored.parent,
    generation: stored.generation,
    messageSeq: lastSeq,
  };
}

const seqName = (seq: number) => String(seq).padStart(10, '0');
const idName = (instanceId: string) => encodeURIComponent(instanceId);

/** The task hub in blobs of `connectionString` (Azurite), container {@link taskHubContainer}. */
export function blobTaskHubStore(connectionString: string, hubName: string): TaskHubStore {
  const container: ContainerClient = BlobServiceClient.fromConnectionString(
    connectionString,
  ).getContainerClient(taskHubContainer(hubName));
  let created: Promise<unknown> | undefined;
  const ready = () => (created ??= container.createIfNotExists());
  const put = async (name: string, value: unknown) => {
    await ready();
    const text = JSON.stringify(value);
    await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  };
  const read = async (name: string): Promise<unknown> =>
    JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString('utf8')) as unknown;
  const messageNames = async (instanceId: string) => {
    const names: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: `messages/${idName(instanceId)}/` }))
      names.push(b.name);
    return names;
  };
  return {
    async load() {
      await ready();
      const instances: StoredInstance[] = [];
      const messages = new Map<string, StoredMessage[]>();
      for await (const b of container.listBlobsFlat()) {
        if (b.name.startsWith('instances/')) instances.push((await read(b.name)) as StoredInstance);
        else if (b.name.startsWith('messages/')) {
          const id = decodeURIComponent(b.name.split('/')[1] ?? '');
          const list = messages.get(id) ?? [];
          list.push((await read(b.name)) as StoredMessage);
          messages.set(id, list);
        }
      }
      return { instances, messages };
    },
    saveInstance: (instance) => put(`instances/${idName(instance.instanceId)}.json`, instance),
    saveMessage: (instanceId, message) =>
      put(`messages/${idName(instanceId)}/${seqName(message.seq)}.json`, message),
    async deleteMessage(instanceId, seq) {
      await container
        .deleteBlob(`messages/${idName(instanceId)}/${seqName(seq)}.json`)
        .catch(() => undefined);
    },
    async deleteInstance(instanceId) {
      await ready();
      for (const name of await messageNames(instanceId))
        await container.deleteBlob(name).catch(() => undefined);
      await container.deleteBlob(`instances/${idName(instanceId)}.json`).catch(() => undefined);
    },
  };
}
