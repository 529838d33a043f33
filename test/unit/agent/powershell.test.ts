import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SCRIPT_FAMILIES,
  SCRIPT_FILES,
  buildArgv,
  createPowerShellExecutor,
  defaultScriptsDir,
  executablesFor,
  parseScriptOutput,
  type ProcessRunner,
} from '../../../agent/executors/powershell';
import { ExecutorError } from '../../../agent/executors/types';

const dir = '/opt/lifeboat/scripts';

describe('PowerShell argument vectors', () => {
  it('runs one fixed script with -File and named, validated values', () => {
    expect(
      buildArgv(
        'lync.backupSync',
        { poolFqdn: 'pool2.contoso.com', lostPoolFqdn: 'pool1.contoso.com', module: 'ConfServices.DataConf' },
        dir,
      ),
    ).toEqual([
      '-NoProfile',
      '-NonInteractive',
      '-File',
      path.join(dir, 'Invoke-LyncBackupSync.ps1'),
      '-PoolFqdn',
      'pool2.contoso.com',
      '-LostPoolFqdn',
      'pool1.contoso.com',
      '-BackupModule',
      'ConfServices.DataConf',
    ]);
    expect(buildArgv('hyperv.initiateFailback', { vm: 'web 01' }, dir)).toEqual([
      '-NoProfile',
      '-NonInteractive',
      '-File',
      path.join(dir, 'Invoke-HypervFailback.ps1'),
      '-Vm',
      'web 01',
    ]);
    expect(
      buildArgv(
        'pchat.ensureLegacyEndpoint',
        { sipAddress: 'sip:chat@contoso.com', poolFqdn: 'pc.contoso.com', displayName: 'Legacy chat' },
        dir,
      ).slice(4),
    ).toEqual([
      '-SipAddress',
      'sip:chat@contoso.com',
      '-PoolFqdn',
      'pc.contoso.com',
      '-DisplayName',
      'Legacy chat',
    ]);
    expect(buildArgv('pchat.getLegacyEndpoint', { sipAddress: 'sip:chat@contoso.com' }, dir)).not.toContain(
      '-Command',
    );
  });
  it('refuses values that did not pass the contract (defence in depth)', () => {
    expect(() => buildArgv('hyperv.replicationState', { vm: '-Force' }, dir)).toThrow(ExecutorError);
    expect(() =>
      buildArgv(
        'lync.backupStatus',
        { poolFqdn: 'x; Remove-Item C:\\', module: 'ConfServices.DataConf' },
        dir,
      ),
    ).toThrow(ExecutorError);
  });
  it('has a script for every executable type, each validating its parameters again', () => {
    const scripts = defaultScriptsDir();
    for (const file of Object.values(SCRIPT_FILES)) {
      const text = readFileSync(path.join(scripts, file), 'utf8');
      expect(existsSync(path.join(scripts, file))).toBe(true);
      expect(text).toMatch(/\[ValidatePattern\(|\[ValidateSet\(/);
      expect(text).not.toMatch(/Invoke-Expression|iex |-Command/);
      // Shared helpers (output contract, VM lookup) come from the module beside the scripts.
      expect(text).toContain("Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1')");
    }
    const helpers = readFileSync(path.join(scripts, 'LifeboatAgent.psm1'), 'utf8');
    expect(helpers).toMatch(/function Write-Fail/);
    expect(helpers).not.toMatch(/Invoke-Expression|iex |-Command/);
  });
});

describe('parsing recorded script outputs', () => {
  it('reads Get-CsBackupServiceStatus output, including the "Steady State" spelling', () => {
    const out = parseScriptOutput(
      'lync.backupStatus',
      '\uFEFF{"ok":true,"output":{"poolFqdn":"pool2.contoso.com","module":"ConfServices.DataConf","exportStatus":"Steady State","importStatus":"NormalState","state":"done"}}\r\n',
    );
    expect(out).toMatchObject({ exportStatus: 'SteadyState', state: 'done' });
  });
  it('reads InitiateFailback 4096 with its job', () => {
    expect(
      parseScriptOutput(
        'hyperv.initiateFailback',
        '{"ok":true,"output":{"returnCode":4096,"meaning":"Method Parameters Checked - Job Started","jobId":"5b1c2d3e-0000-4000-8000-000000000001"}}',
      ),
    ).toMatchObject({ returnCode: 4096 });
  });
  it('surfaces script-reported errors by code and refuses anything but one JSON object', () => {
    expect(() =>
      parseScriptOutput(
        'hyperv.jobStatus',
        '{"ok":false,"error":{"code":"NotFound","message":"job x is not known"}}',
      ),
    ).toThrow(expect.objectContaining({ code: 'NotFound' }));
    for (const bad of [
      '',
      'WARNING: x\n{"ok":true,"output":{}}',
      '{"ok":true,"output":{"jobId":"x"}}',
      '{"ok":true,"output":{"sipAddress":"sip:chat@contoso.com","exists":true,"extra":1}}',
      '{"ok":true}{"ok":true}',
    ]) {
      expect(() => parseScriptOutput('pchat.getLegacyEndpoint', bad), bad).toThrow(
        expect.objectContaining({ code: 'BadOutput' }),
      );
    }
  });
  it('the executor passes the vector to the runner unchanged and maps a failing exit', async () => {
    const calls: { file: string; args: readonly string[] }[] = [];
    const runner: ProcessRunner = (file, args) => {
      calls.push({ file, args });
      return Promise.resolve({ stdout: 'garbage', exitCode: 1 });
    };
    const executor = createPowerShellExecutor({ pwsh: 'pwsh', scriptsDir: dir, timeoutMs: 1000, runner });
    await expect(
      executor.execute('hyperv.jobStatus', { jobId: '5b1c2d3e-0000-4000-8000-000000000001' }),
    ).rejects.toMatchObject({ code: 'ScriptFailed' });
    expect(calls).toEqual([
      {
        file: 'pwsh',
        args: [
          '-NoProfile',
          '-NonInteractive',
          '-File',
          path.join(dir, 'Get-HypervJob.ps1'),
          '-JobId',
          '5b1c2d3e-0000-4000-8000-000000000001',
        ],
      },
    ]);
  });
});

describe('which PowerShell runs which scripts (issue 22 item 4)', () => {
  it('runs Lync and Persistent Chat scripts with Windows PowerShell by default on Windows, Hyper-V with pwsh', () => {
    expect(executablesFor({ pwsh: 'pwsh' }, 'win32')).toEqual({ lync: 'powershell.exe', hyperv: 'pwsh' });
    // Off Windows there is no Windows PowerShell (and no Lync server): the fakes run under pwsh.
    expect(executablesFor({ pwsh: '/opt/pwsh' }, 'linux')).toEqual({
      lync: '/opt/pwsh',
      hyperv: '/opt/pwsh',
    });
    expect(
      executablesFor(
        { pwsh: 'pwsh', executables: { lync: 'C:\\ps51\\powershell.exe', hyperv: 'pwsh7' } },
        'win32',
      ),
    ).toEqual({ lync: 'C:\\ps51\\powershell.exe', hyperv: 'pwsh7' });
    for (const [type, family] of Object.entries(SCRIPT_FAMILIES))
      expect(family, type).toBe(type.startsWith('hyperv.') ? 'hyperv' : 'lync');
  });

  it('the executor starts each family with its own executable', async () => {
    const files: string[] = [];
    const runner: ProcessRunner = (file) => {
      files.push(file);
      return Promise.resolve({ stdout: '{"ok":false,"error":{"code":"X","message":"m"}}', exitCode: 1 });
    };
    const executor = createPowerShellExecutor({
      pwsh: 'pwsh',
      executables: { lync: 'powershell.exe' },
      scriptsDir: dir,
      timeoutMs: 1000,
      runner,
    });
    await expect(
      executor.execute('lync.backupStatus', {
        poolFqdn: 'pool2.contoso.com',
        module: 'ConfServices.DataConf',
      }),
    ).rejects.toMatchObject({ code: 'X' });
    await expect(
      executor.execute('pchat.getLegacyEndpoint', { sipAddress: 'sip:a@contoso.com' }),
    ).rejects.toMatchObject({ code: 'X' });
    await expect(executor.execute('hyperv.replicationState', { vm: 'SQL01' })).rejects.toMatchObject({
      code: 'X',
    });
    expect(files).toEqual(['powershell.exe', 'powershell.exe', 'pwsh']);
  });
});
