import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { DefaultAzureCredential } from '@azure/identity';
import { jsonLinesAudit, safeAudit, safeLogLine, type AuditSink } from './audit';
import { realClock, type AgentClock } from './clock';
import type { AgentConfig } from './config';
import { AgentCore, type AgentCoreOptions } from './core';
import {
  checkPowerShell,
  createPowerShellExecutor,
  defaultScriptsDir,
  executablesFor,
  type ScriptFamily,
} from './executors/powershell';
import type { Executor } from './executors/types';
import { Ledger } from './ledger';
import { ensureQueue, queueEndpoint, runLoop } from './run';

/** What `run` may be given instead of building it from the configuration (tests, the local launcher). */
export interface AgentDeps {
  readonly clock?: AgentClock;
  readonly commands?: QueueClient;
  readonly results?: QueueClient;
  readonly executor?: Executor;
  readonly audit?: AuditSink;
  readonly log?: (message: string) => void;
  readonly afterExecute?: AgentCoreOptions['afterExecute'];
}

/** Queue clients from the configuration: connection string, or service URL with the machine's Azure identity. */
/**
 * The SDK's own retries, kept short: they are silent, so the poll loop does the patient retrying
 * where each attempt is logged. A try that hangs is abandoned after 30 s.
 */
export const QUEUE_SDK_RETRY = {
  maxTries: 3,
  retryDelayInMs: 250,
  maxRetryDelayInMs: 1000,
  tryTimeoutInMs: 30_000,
};

export function queueClientsFor(config: AgentConfig): { commands: QueueClient; results: QueueClient } {
  const options = { retryOptions: QUEUE_SDK_RETRY };
  const service =
    config.queue.connectionString !== undefined
      ? QueueServiceClient.fromConnectionString(config.queue.connectionString, options)
      : new QueueServiceClient(config.queue.serviceUrl ?? '', new DefaultAzureCredential(), options);
  return {
    commands: service.getQueueClient(config.queue.commandsQueue),
    results: service.getQueueClient(config.queue.resultsQueue),
  };
}

/** The executor named by the configuration (PowerShell; a `provided` one comes in `deps.executor`). */
export function executorFor(
  config: AgentConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { executor: Executor } {
  const e = config.executor;
  if (e.kind === 'provided')
    throw new TypeError("executor.kind 'provided': pass the executor to run() in deps.executor");
  const scriptsDir = e.scriptsDir ?? defaultScriptsDir();
  // At start-up, not at the first command: a missing PowerShell is a configuration error.
  const pwsh = checkPowerShell({ pwsh: e.pwsh, scriptsDir }, env);
  const wanted = executablesFor(e);
  const check = (family: ScriptFamily) =>
    wanted[family] === e.pwsh
      ? pwsh
      : checkPowerShell({ pwsh: wanted[family], scriptsDir, setting: `executor.executables.${family}` }, env);
  return {
    executor: createPowerShellExecutor({
      pwsh,
      executables: { lync: check('lync'), hyperv: check('hyperv') },
      scriptsDir,
      timeoutMs: e.timeoutSeconds * 1000,
      ...(config.hypervCluster === undefined ? {} : { cluster: config.hypervCluster }),
    }),
  };
}

/**
 * Runs the agent until `signal` aborts: opens the ledger, builds what `deps` does not provide,
 * polls, and on abort finishes the commands in hand and closes the ledger.
 */
export async function run(config: AgentConfig, deps: AgentDeps, signal: AbortSignal): Promise<void> {
  const clock = deps.clock ?? realClock;
  const now = () => clock.now();
  // Every log and audit line is redacted and capped here, whoever wrote it (issue 13).
  const baseLog = deps.log ?? ((m: string) => console.error(m));
  const log = (m: string) => baseLog(safeLogLine(m));
  const audit = safeAudit(
    deps.audit ??
      jsonLinesAudit({
        agentId: config.agentId,
        site: config.site,
        now,
        ...(config.auditPath === undefined ? {} : { file: config.auditPath }),
      }),
  );
  // Local checks first (a missing PowerShell is reported before any network step).
  const executor = deps.executor ?? executorFor(config).executor;
  const queues =
    deps.commands !== undefined && deps.results !== undefined
      ? { commands: deps.commands, results: deps.results }
      : queueClientsFor(config);
  if (config.queue.createIfMissing) {
    for (const queue of [queues.commands, queues.results])
      if (!(await ensureQueue(queue, config.poll, { clock, log }, signal))) return;
  }
  log(
    `agent ${config.agentId} for site ${config.site}: polling ${queueEndpoint(queues.commands)} (${executor.kind} executor), results to ${queueEndpoint(queues.results)}`,
  );
  const ledger = await Ledger.open(config.ledgerPath, { now, retentionMs: config.ledgerRetentionMs });
  if (ledger.skippedLines > 0)
    log(
      `agent: ledger had ${ledger.skippedLines} unreadable line(s) (a torn write after a crash); they were dropped`,
    );
  const core = new AgentCore({
    site: config.site,
    agentId: config.agentId,
    signingKey: config.signingKey,
    signingKeyId: config.signingKeyId,
    trustedKeys: config.trustedKeys,
    maxClockSkewMs: config.maxClockSkewMs,
    executor,
    ledger,
    audit,
    now,
    ...(deps.afterExecute === undefined ? {} : { afterExecute: deps.afterExecute }),
  });
  try {
    await runLoop(
      config.poll,
      { core, commands: queues.commands, results: queues.results, clock, audit, log },
      signal,
    );
  } finally {
    await ledger.close();
  }
}
