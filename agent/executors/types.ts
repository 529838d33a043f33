import type { CommandOutput, CommandParams, CommandType } from '../../shared/contracts';

/**
 * One interface for every way the agent can act on the site: PowerShell scripts on a real
 * server, or the in-process simulated site. An executor does exactly the one operation named by
 * the type (no retries, no check-first logic: that is the agent's, so both executors behave the
 * same) and returns the typed output, or throws an {@link ExecutorError}.
 */
export interface Executor {
  readonly kind: 'powershell' | 'simulated';
  execute<T extends ExecutableType>(type: T, params: CommandParams<T>): Promise<CommandOutput<T>>;
}

/** Types an executor runs; `agent.ping` is answered by the agent itself. */
export type ExecutableType = Exclude<CommandType, 'agent.ping'>;

/** One function per executable type, for executors built as a table. */
export type ExecutorTable = {
  [K in ExecutableType]: (params: CommandParams<K>) => Promise<CommandOutput<K>>;
};

/** Builds an executor from a table of per-type functions. */
export function executorFromTable(kind: Executor['kind'], table: ExecutorTable): Executor {
  return {
    kind,
    execute<T extends ExecutableType>(type: T, params: CommandParams<T>): Promise<CommandOutput<T>> {
      const fn = table[type] as unknown as (p: CommandParams<T>) => Promise<CommandOutput<T>>;
      return fn(params);
    },
  };
}

/** A failure an executor reports on purpose, with a short code for the result envelope. */
export class ExecutorError extends Error {
  override readonly name = 'ExecutorError';
  constructor(
    /** Short machine-readable code (`NotFound`, `AlreadyExists`, `ScriptFailed`, `BadOutput`...). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
