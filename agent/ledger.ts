import { mkdir, open, rename, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { signedMessageSchema, type CommandEnvelope, type SignedMessage } from '../shared/contracts';

/**
 * The durable ledger of command ids this agent has started and answered: an append-only JSON Lines
 * file, each line fsync'ed before the agent acts on it, loaded and compacted at start.
 *
 * - `started` is written (and synced) BEFORE the executor runs, so a crash after executing and
 *   before answering is visible at restart: the agent then answers by re-reading state or reports
 *   `interrupted`, and never re-runs a state-changing command blindly (see agent/README.md).
 * - `completed` holds the signed result, so a redelivered or replayed command is answered from the
 *   ledger, byte for byte, and never executed twice.
 * - Entries are kept until `expiresAt + retention` (retention ≥ the clock skew allowance): after
 *   that the command itself is refused as expired, so the ledger no longer needs to remember it.
 * - Bounded while running, not only at start: every write drops expired entries from memory, and
 *   the file is compacted (rewritten with the live entries, synced, renamed over) as soon as it
 *   holds more than twice the live lines plus {@link LEDGER_COMPACT_SLACK_LINES}. So memory holds
 *   at most the commands received during the last `24 h + retention` (a command lives at most
 *   24 h), {@link ledgerEntryBound} for a steady rate, and the file at most
 *   `2 × (2 × entries) + LEDGER_COMPACT_SLACK_LINES` lines (two lines per entry).
 *
 * One agent process per ledger file: concurrent processes sharing a file are out of scope.
 */

const startedLine = z.object({
  t: z.literal('started'),
  commandId: z.string(),
  commandHash: z.string(),
  expiresAt: z.string(),
  at: z.string(),
  command: z.unknown(),
});
const completedLine = z.object({
  t: z.literal('completed'),
  commandId: z.string(),
  commandHash: z.string(),
  expiresAt: z.string(),
  at: z.string(),
  outcome: z.string(),
  result: signedMessageSchema,
});
const lineSchema = z.discriminatedUnion('t', [startedLine, completedLine]);
type Line = z.infer<typeof lineSchema>;

/** Lines the file may hold beyond twice its live lines before it is compacted while running. */
export const LEDGER_COMPACT_SLACK_LINES = 256;

/**
 * The most entries the ledger holds for commands arriving every `intervalMs`, each living
 * `lifetimeMs`, kept `retentionMs` after expiry: the documented memory bound.
 */
export function ledgerEntryBound(o: { lifetimeMs: number; retentionMs: number; intervalMs: number }): number {
  return Math.floor((o.lifetimeMs + o.retentionMs) / o.intervalMs) + 1;
}

/** What the ledger knows about one command id. */
export interface LedgerEntry {
  readonly commandId: string;
  readonly commandHash: string;
  readonly expiresAt: string;
  /** The verified command, kept so an interrupted one can be recovered after it expires. */
  readonly command?: CommandEnvelope;
  /** The signed result once answered. */
  readonly result?: SignedMessage;
  readonly outcome?: string;
}

export interface LedgerOptions {
  readonly now: () => Date;
  /** How long after a command's expiry its entry is kept. */
  readonly retentionMs: number;
}

export class Ledger {
  private constructor(
    private readonly file: string,
    private handle: FileHandle | undefined,
    private readonly entries: Map<string, LedgerEntry>,
    /** Lines that could not be read at load (a torn last write after a crash). */
    readonly skippedLines: number,
    private readonly options: LedgerOptions,
    /** Lines in the file now (live lines right after a compaction, plus appends since). */
    private fileLines: number,
  ) {}

  private tail: Promise<void> = Promise.resolve();

  /** Loads the ledger (creating its folder and file), drops expired entries and rewrites it compactly. */
  static async open(file: string, options: LedgerOptions): Promise<Ledger> {
    await mkdir(path.dirname(file), { recursive: true });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const entries = new Map<string, LedgerEntry>();
    let skipped = 0;
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      let line: Line;
      try {
        line = lineSchema.parse(JSON.parse(raw));
      } catch {
        skipped++;
        continue;
      }
      const prev = entries.get(line.commandId);
      if (line.t === 'started') {
        if (prev?.result === undefined)
          entries.set(line.commandId, {
            commandId: line.commandId,
            commandHash: line.commandHash,
            expiresAt: line.expiresAt,
            command: line.command as CommandEnvelope,
          });
      } else {
        entries.set(line.commandId, {
          ...prev,
          commandId: line.commandId,
          commandHash: line.commandHash,
          expiresAt: line.expiresAt,
          result: line.result,
          outcome: line.outcome,
        });
      }
    }
    prune(entries, options);
    const lines = await writeCompact(file, entries, options.now());
    return new Ledger(file, await open(file, 'a'), entries, skipped, options, lines);
  }

  /** The entry for a command id, if any. */
  get(commandId: string): LedgerEntry | undefined {
    return this.entries.get(commandId);
  }

  /** Number of live entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Records (durably) that a command is about to run. */
  async markStarted(command: CommandEnvelope, commandHash: string, at: Date): Promise<void> {
    await this.append(
      {
        t: 'started',
        commandId: command.commandId,
        commandHash,
        expiresAt: command.expiresAt,
        at: at.toISOString(),
        command,
      },
      () =>
        this.entries.set(command.commandId, {
          commandId: command.commandId,
          commandHash,
          expiresAt: command.expiresAt,
          command,
        }),
    );
  }

  /** Records (durably) the signed result of a command. */
  async complete(
    entry: {
      commandId: string;
      commandHash: string;
      expiresAt: string;
      outcome: string;
      result: SignedMessage;
    },
    at: Date,
  ): Promise<void> {
    await this.append({ t: 'completed', ...entry, at: at.toISOString() }, () => {
      const prev = this.entries.get(entry.commandId);
      this.entries.set(entry.commandId, { ...prev, ...entry });
    });
  }

  /**
   * Appends one line durably, then applies it in memory, drops expired entries, and compacts the
   * file when it has grown past twice its live lines plus the slack. All of it runs in the one
   * write queue, so a compaction never interleaves with an append.
   */
  private append(line: Line, apply: () => void): Promise<void> {
    const run = async () => {
      const handle = this.handle;
      if (handle === undefined) throw new Error(`ledger ${this.file} is closed`);
      await handle.write(JSON.stringify(line) + '\n');
      await handle.sync();
      this.fileLines++;
      apply();
      prune(this.entries, this.options);
      if (this.fileLines > 2 * liveLines(this.entries) + LEDGER_COMPACT_SLACK_LINES) await this.compact();
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Rewrites the file with the live entries (write, sync, rename over) and reopens it for appending. */
  private async compact(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
    try {
      this.fileLines = await writeCompact(this.file, this.entries, this.options.now());
    } catch {
      // The line just appended is durable; a failed compaction (disk full) leaves the old file,
      // which stays valid and is compacted again at the next write.
    } finally {
      this.handle = await open(this.file, 'a');
    }
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.tail;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

/** Drops the entries whose command expired more than `retentionMs` ago. */
function prune(entries: Map<string, LedgerEntry>, options: LedgerOptions): void {
  const cutoff = options.now().getTime() - options.retentionMs;
  for (const [id, e] of entries) if (Date.parse(e.expiresAt) < cutoff) entries.delete(id);
}

/** Lines a compact file holds for these entries (one per `started`, one per `completed`). */
function liveLines(entries: ReadonlyMap<string, LedgerEntry>): number {
  let n = 0;
  for (const e of entries.values()) n += (e.command === undefined ? 0 : 1) + (e.result === undefined ? 0 : 1);
  return n;
}

/**
 * Writes the live entries to a temporary file, syncs it, then renames it over the ledger (a crash
 * leaves either the old file or the new one). Returns the number of lines written.
 */
async function writeCompact(
  file: string,
  entries: ReadonlyMap<string, LedgerEntry>,
  now: Date,
): Promise<number> {
  const tmp = `${file}.tmp`;
  const out = await open(tmp, 'w');
  const lines: string[] = [];
  try {
    for (const e of entries.values()) {
      if (e.command !== undefined)
        lines.push(
          JSON.stringify({
            t: 'started',
            commandId: e.commandId,
            commandHash: e.commandHash,
            expiresAt: e.expiresAt,
            at: now.toISOString(),
            command: e.command,
          }),
        );
      if (e.result !== undefined)
        lines.push(
          JSON.stringify({
            t: 'completed',
            commandId: e.commandId,
            commandHash: e.commandHash,
            expiresAt: e.expiresAt,
            at: now.toISOString(),
            outcome: e.outcome ?? 'unknown',
            result: e.result,
          }),
        );
    }
    await out.writeFile(lines.map((l) => l + '\n').join(''));
    await out.sync();
  } finally {
    await out.close();
  }
  await rename(tmp, file);
  return lines.length;
}
