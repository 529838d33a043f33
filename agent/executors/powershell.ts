import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  commandOutputSchemas,
  commandParamSchemas,
  hostnameSchema,
  type CommandOutput,
  type CommandParams,
} from '../../shared/contracts';
import { NonRetryableError } from '../../shared/errors';
import { ExecutorError, type ExecutableType, type Executor } from './types';

/**
 * Runs one fixed PowerShell script per command type, as an argument vector:
 * `pwsh -NoProfile -NonInteractive -File <script.ps1> -Name value ...`, with `execFile` (no
 * shell), never `-Command`, never a string built from input. Values were validated by the
 * contract schemas (and are validated again here and by the scripts' [ValidatePattern] /
 * [ValidateSet]); none can start with `-`, so none can be read as a parameter name.
 * Each script prints exactly one JSON object: `{"ok":true,"output":{...}}` or
 * `{"ok":false,"error":{"code":"...","message":"..."}}`, parsed strictly.
 */

/** Script file per command type (agent/scripts/). */
export const SCRIPT_FILES: Readonly<Record<ExecutableType, string>> = Object.freeze({
  'lync.backupSync': 'Invoke-LyncBackupSync.ps1',
  'lync.backupRelationship': 'Get-LyncBackupRelationship.ps1',
  'lync.backupStatus': 'Get-LyncBackupStatus.ps1',
  'hyperv.initiateFailback': 'Invoke-HypervFailback.ps1',
  'hyperv.jobStatus': 'Get-HypervJob.ps1',
  'hyperv.replicationState': 'Get-HypervReplicationState.ps1',
  'hyperv.startTestFailover': 'Start-HypervTestFailover.ps1',
  'hyperv.stopTestFailover': 'Stop-HypervTestFailover.ps1',
  'pchat.ensureLegacyEndpoint': 'New-PchatLegacyEndpoint.ps1',
  'pchat.getLegacyEndpoint': 'Get-PchatLegacyEndpoint.ps1',
});

/**
 * Which PowerShell runs a script, by the module it loads. The SkypeForBusiness / Lync management
 * module is a Windows PowerShell 5.1 module: under PowerShell 7 it loads only through the Windows
 * compatibility layer (implicit remoting to a 5.1 session), and the objects it returns come back
 * deserialized, nested properties such as `BackupModules` flattened. So Lync and Persistent Chat
 * scripts run with Windows PowerShell (`powershell.exe`) by default; Hyper-V (CIM) scripts run
 * with PowerShell 7 (`pwsh`), whose CIM cmdlets are native.
 */
export type ScriptFamily = 'lync' | 'hyperv';
export const SCRIPT_FAMILIES: Readonly<Record<ExecutableType, ScriptFamily>> = Object.freeze({
  'lync.backupSync': 'lync',
  'lync.backupRelationship': 'lync',
  'lync.backupStatus': 'lync',
  'hyperv.initiateFailback': 'hyperv',
  'hyperv.jobStatus': 'hyperv',
  'hyperv.replicationState': 'hyperv',
  'hyperv.startTestFailover': 'hyperv',
  'hyperv.stopTestFailover': 'hyperv',
  'pchat.ensureLegacyEndpoint': 'lync',
  'pchat.getLegacyEndpoint': 'lync',
});

/**
 * The executable per script family from the configuration: `executables.<family>` when set; else
 * Lync on Windows is `powershell.exe` (see {@link ScriptFamily}), and everything else `pwsh`. Off
 * Windows there is no Windows PowerShell (and no Lync server): the tests' fakes run under pwsh.
 */
export function executablesFor(
  e: { pwsh: string; executables?: { [F in ScriptFamily]?: string | undefined } | undefined },
  platform: NodeJS.Platform = process.platform,
): Record<ScriptFamily, string> {
  return {
    lync: e.executables?.lync ?? (platform === 'win32' ? 'powershell.exe' : e.pwsh),
    hyperv: e.executables?.hyperv ?? e.pwsh,
  };
}

/** Named script parameters per command type: contract field → PowerShell parameter. */
const PARAMETER_NAMES: Readonly<Record<ExecutableType, Readonly<Record<string, string>>>> = Object.freeze({
  'lync.backupSync': { poolFqdn: 'PoolFqdn', lostPoolFqdn: 'LostPoolFqdn', module: 'BackupModule' },
  'lync.backupRelationship': { poolFqdn: 'PoolFqdn' },
  'lync.backupStatus': { poolFqdn: 'PoolFqdn', module: 'BackupModule' },
  'hyperv.initiateFailback': { vm: 'Vm', recoveryPointId: 'RecoveryPointId' },
  'hyperv.jobStatus': { jobId: 'JobId', vm: 'Vm', node: 'Node' },
  'hyperv.replicationState': { vm: 'Vm' },
  'hyperv.startTestFailover': { vm: 'Vm', recoveryPointId: 'RecoveryPointId' },
  'hyperv.stopTestFailover': { vm: 'Vm' },
  'pchat.ensureLegacyEndpoint': {
    sipAddress: 'SipAddress',
    poolFqdn: 'PoolFqdn',
    displayName: 'DisplayName',
  },
  'pchat.getLegacyEndpoint': { sipAddress: 'SipAddress' },
});

/** The folder holding the scripts: beside the sources, or the repository's agent/scripts when running from dist/. */
export function defaultScriptsDir(): string {
  const candidates = [
    path.resolve(__dirname, '..', 'scripts'),
    path.resolve(__dirname, '..', '..', '..', 'agent', 'scripts'),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

function isExecutableFile(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    if (platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Start-up check of the PowerShell executor: finds the PowerShell binary (a path, or a name looked
 * up on PATH with PATHEXT on Windows, as `execFile` would) and the fixed scripts. Returns the full
 * path of the binary; throws NonRetryableError naming what is missing and the setting to change,
 * so the agent refuses to start instead of failing every command with `ScriptNotRun`.
 */
export function checkPowerShell(
  options: { pwsh: string; scriptsDir: string; setting?: string },
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const fail = (why: string) =>
    new NonRetryableError(`Invalid agent configuration: ${why}`, { code: 'InvalidConfiguration' });
  const setting = options.setting ?? 'executor.pwsh';
  let binary: string | undefined;
  if (path.isAbsolute(options.pwsh) || /[\\/]/.test(options.pwsh)) {
    const file = path.resolve(options.pwsh);
    if (!isExecutableFile(file, platform))
      throw fail(
        `${setting}: the PowerShell binary ${file} does not exist or is not an executable file; install PowerShell 7 or set ${setting} to the full path of pwsh (or powershell.exe)`,
      );
    binary = file;
  } else {
    const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((d) => d !== '');
    const exts =
      platform === 'win32' && path.extname(options.pwsh) === ''
        ? (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e !== '')
        : [''];
    binary = dirs
      .flatMap((d) => exts.map((e) => path.join(d, options.pwsh + e)))
      .find((f) => isExecutableFile(f, platform));
    if (binary === undefined)
      throw fail(
        `${setting}: PowerShell "${options.pwsh}" was not found on PATH; install PowerShell 7 (pwsh) or set ${setting} to the full path of pwsh (or powershell.exe)`,
      );
  }
  const missing = Object.values(SCRIPT_FILES).filter((f) => !existsSync(path.join(options.scriptsDir, f)));
  if (missing.length > 0)
    throw fail(
      `executor.scriptsDir: ${options.scriptsDir} lacks ${missing.length === Object.keys(SCRIPT_FILES).length ? 'every agent script' : missing.join(', ')}; set executor.scriptsDir to the folder holding agent/scripts`,
    );
  return binary;
}

/**
 * The argument vector for one command. Parameters are parsed again with the contract schema:
 * only validated values reach the vector, in a fixed order.
 */
export function buildArgv<T extends ExecutableType>(
  type: T,
  params: CommandParams<T>,
  scriptsDir: string,
  site: { cluster?: string | undefined } = {},
): string[] {
  const checked = commandParamSchemas[type].safeParse(params);
  if (!checked.success) throw new ExecutorError('BadParams', `parameters of ${type} failed validation`);
  const names = PARAMETER_NAMES[type];
  const argv = ['-NoProfile', '-NonInteractive', '-File', path.join(scriptsDir, SCRIPT_FILES[type])];
  for (const [field, name] of Object.entries(names)) {
    const value = (checked.data as Record<string, unknown>)[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.startsWith('-') || /[\0\r\n]/.test(value))
      throw new ExecutorError('BadParams', `${field} cannot be passed to a script`);
    argv.push(`-${name}`, value);
  }
  // The site's setting, not the command's: on a failover cluster every Hyper-V script asks the
  // cluster for the VM's owner node and calls WMI there (issue 22 item 9).
  if (site.cluster !== undefined && SCRIPT_FAMILIES[type] === 'hyperv') {
    if (!hostnameSchema.safeParse(site.cluster).success)
      throw new ExecutorError('BadParams', 'hyperv.cluster.name cannot be passed to a script');
    argv.push('-Cluster', site.cluster);
  }
  return argv;
}

const scriptOutputSchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), output: z.unknown() }),
  z.strictObject({
    ok: z.literal(false),
    error: z.strictObject({
      code: z.string().regex(/^[\w.-]{1,64}$/),
      message: z.string().max(2048),
    }),
  }),
]);

/**
 * Parses a script's standard output: exactly one JSON object (surrounding whitespace allowed),
 * then the output schema of the type. Anything else is `BadOutput`; a script-reported error is
 * rethrown with its code.
 */
export function parseScriptOutput<T extends ExecutableType>(type: T, stdout: string): CommandOutput<T> {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (!text.startsWith('{') || !text.endsWith('}'))
    throw new ExecutorError('BadOutput', `the ${type} script did not print one JSON object`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ExecutorError('BadOutput', `the ${type} script printed invalid JSON`);
  }
  const envelope = scriptOutputSchema.safeParse(value);
  if (!envelope.success)
    throw new ExecutorError(
      'BadOutput',
      `the ${type} script printed an object that is neither {ok:true,output} nor {ok:false,error}`,
    );
  if (!envelope.data.ok) throw new ExecutorError(envelope.data.error.code, envelope.data.error.message);
  const output = commandOutputSchemas[type].safeParse(envelope.data.output);
  if (!output.success) {
    const where = output.error.issues
      .map((i) => i.path.join('.') || '(output)')
      .slice(0, 3)
      .join(', ');
    throw new ExecutorError('BadOutput', `the ${type} script output does not match its schema (${where})`);
  }
  return output.data as CommandOutput<T>;
}

/** Runs a program with an argument vector; injectable so tests can record vectors. */
export type ProcessRunner = (
  file: string,
  args: readonly string[],
  options: { timeoutMs: number },
) => Promise<{ stdout: string; exitCode: number }>;

/** The real runner: execFile, no shell, bounded output and time. */
export const execFileRunner: ProcessRunner = (file, args, options) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        shell: false,
        windowsHide: true,
        timeout: options.timeoutMs,
        maxBuffer: 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(
            new ExecutorError(
              error.killed ? 'Timeout' : 'ScriptNotRun',
              error.killed
                ? 'the script did not finish in time'
                : `the script could not be started (${String(error.code ?? 'unknown')})`,
            ),
          );
          return;
        }
        resolve({ stdout, exitCode: error === null ? 0 : (error.code as number) });
      },
    );
  });

export interface PowerShellExecutorOptions {
  /** The PowerShell of every family without its own entry in `executables`. */
  readonly pwsh: string;
  /** The PowerShell per script family (see {@link SCRIPT_FAMILIES}). */
  readonly executables?: Partial<Record<ScriptFamily, string>>;
  readonly scriptsDir: string;
  readonly timeoutMs: number;
  readonly runner?: ProcessRunner;
  /** The failover cluster of the site's replica VMs (`hyperv.cluster.name`): passed as `-Cluster` to the Hyper-V scripts. */
  readonly cluster?: string;
}

/** The PowerShell executor. */
export function createPowerShellExecutor(options: PowerShellExecutorOptions): Executor {
  const runner = options.runner ?? execFileRunner;
  return {
    kind: 'powershell',
    async execute<T extends ExecutableType>(type: T, params: CommandParams<T>): Promise<CommandOutput<T>> {
      const argv = buildArgv(type, params, options.scriptsDir, { cluster: options.cluster });
      const file = options.executables?.[SCRIPT_FAMILIES[type]] ?? options.pwsh;
      const { stdout, exitCode } = await runner(file, argv, { timeoutMs: options.timeoutMs });
      // A script that reports {ok:false} exits 1; its JSON still says why.
      try {
        return parseScriptOutput(type, stdout);
      } catch (error) {
        if (exitCode !== 0 && error instanceof ExecutorError && error.code === 'BadOutput')
          throw new ExecutorError('ScriptFailed', `the ${type} script exited with code ${exitCode}`);
        throw error;
      }
    },
  };
}
