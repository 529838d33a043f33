import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * PowerShell for tests, from the project's own install (`npm run tools`: PowerShell 7.6.9 as a
 * .NET local tool, launcher tools/bin/pwsh), and the fake Lync / Hyper-V site the scripts run
 * against (test/powershell/fakes, a state file named by LIFEBOAT_FAKE_STATE).
 */

const REPO = path.resolve(__dirname, '..', '..', '..');
/** The launcher tools/install.sh writes. */
export const PWSH = path.join(REPO, 'tools', 'bin', 'pwsh');
/** The fake modules (SkypeForBusiness, Hyper-V, CimCmdlets), put first on PSModulePath. */
export const FAKE_MODULES = path.join(REPO, 'test', 'powershell', 'fakes', 'Modules');

/** The pwsh to run, or a failure that says how to install it: these tests never skip. */
export function requirePwsh(): string {
  if (!existsSync(PWSH))
    throw new Error(
      `PowerShell is not installed (${PWSH} is missing): run \`npm run tools\` (needs the .NET SDK; ` +
        'installs PowerShell 7.6.9 from .config/dotnet-tools.json). CI runs it in .ci/run.',
    );
  return PWSH;
}

export const VM_ID = '6a1c5c1e-1111-4a4a-8b8b-000000000001';
export const RECOVERY_POINT = '0b3f7a55-3333-4c4c-9d9d-000000000003';

/** The fake site's state file (see test/powershell/fakes/Modules/*.psm1 for each field). */
export interface FakeSiteState {
  lync: {
    pools: Array<{
      fqdn: string;
      backupPool?: string;
      syncLagMs?: number;
      shape?: 'live' | 'deserialized' | 'flattened';
      syncDurationMs: number;
      finalState: boolean;
      failModules: string[];
      notReported?: string[];
      spelling?: 'spaced';
    }>;
  };
  pchat: {
    pools: string[];
    endpoints: Array<{ sipAddress: string; poolFqdn: string; displayName?: string; poolIn?: string }>;
  };
  hyperv: {
    vms: Array<{
      id: string;
      name: string;
      replicationState: number;
      failbackDurationMs: number;
      mode?: 'job' | 'sync';
      returnCode?: number;
      jobErrorCode?: number;
      recoveryPoints: string[];
      testVm: boolean;
      notReplica?: boolean;
      /** On a cluster: the node that owns the VM's role. */
      ownerNode?: string;
      /** A move during the next script run (LifeboatFakeSite.psm1, Invoke-FakeMoveTrigger). */
      moveDuring?: { when: 'vmRead' | 'beforeInitiateFailback' | 'afterInitiateFailback'; to: string };
    }>;
    jobs: Array<Record<string, unknown>>;
    /** A failover cluster (issue 22 item 9); absent: one standalone host. */
    cluster?: { name: string; nodes: string[]; localNode?: string };
  };
  calls: Array<{ cmdlet: string; parameters: Record<string, unknown>; at: number }>;
  fail?: Record<string, string>;
}

/** A site with one Lync pool, two Persistent Chat pools (an endpoint on the second) and one failed-over VM. */
export function defaultFakeSite(): FakeSiteState {
  return {
    lync: {
      pools: [
        {
          fqdn: 'pool2.contoso.com',
          backupPool: 'pool1.contoso.com',
          syncDurationMs: 0,
          finalState: false,
          failModules: [],
        },
      ],
    },
    pchat: {
      pools: ['pc.contoso.com', 'pc2.contoso.com'],
      endpoints: [{ sipAddress: 'sip:other@contoso.com', poolFqdn: 'pc2.contoso.com' }],
    },
    hyperv: {
      vms: [
        {
          id: VM_ID,
          name: 'SQL01',
          replicationState: 6,
          failbackDurationMs: 0,
          recoveryPoints: [RECOVERY_POINT],
          testVm: false,
        },
      ],
      jobs: [],
    },
    calls: [],
  };
}

/** A state file in a fresh temporary folder; `env` is what a pwsh child needs to use it. */
export interface FakeSite {
  readonly file: string;
  readonly env: { PSModulePath: string; LIFEBOAT_FAKE_STATE: string };
  write(state: FakeSiteState): Promise<void>;
  read(): Promise<FakeSiteState>;
  remove(): Promise<void>;
}

export async function createFakeSite(state: FakeSiteState = defaultFakeSite()): Promise<FakeSite> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-fake-site-'));
  const file = path.join(dir, 'site.json');
  const site: FakeSite = {
    file,
    env: { PSModulePath: FAKE_MODULES, LIFEBOAT_FAKE_STATE: file },
    write: (s) => writeFile(file, JSON.stringify(s, null, 2)),
    read: async () => JSON.parse(await readFile(file, 'utf8')) as FakeSiteState,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  await site.write(state);
  return site;
}
