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
    const cutoff = options.now().getTime() - options.retentionMs;
    for (const [id, e] of entries) if (Date.parse(e.expiresAt) < cutoff) entries.delete(id);

    // Compact: write the live entries to a temporary file, sync, then rename over the ledger.
    const tmp = `${file}.tmp`;
    const out = await open(tmp, 'w');
    try {
      const lines: string[] = [];
      for (const e of entries.values()) {
        if (e.command !== undefined)
          lines.push(
            JSON.stringify({
              t: 'started',
              commandId: e.commandId,
              commandHash: e.commandHash,
              expiresAt: e.expiresAt,
              at: options.now().toISOString(),
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
              at: options.now().toISOString(),
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
    return new Ledger(file, await open(file, 'a'), entries, skipped);
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
    await this.append({
      t: 'started',
      commandId: command.commandId,
      commandHash,
      expiresAt: command.expiresAt,
      at: at.toISOString(),
      command,
    });
    this.entries.set(command.commandId, {
      commandId: command.commandId,
      commandHash,
      expiresAt: command.expiresAt,
      command,
    });
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
    await this.append({ t: 'completed', ...entry, at: at.toISOString() });
    const prev = this.entries.get(entry.commandId);
    this.entries.set(entry.commandId, { ...prev, ...entry });
  }

  private append(line: Line): Promise<void> {
    const run = async () => {
      const handle = this.handle;
      if (handle === undefined) throw new Error(`ledger ${this.file} is closed`);
      await handle.write(JSON.stringify(line) + '\n');
      await handle.sync();
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.tail;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
