import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startArmEmulator, type ArmEmulator, type ArmEmulatorOptions } from './arm/emulator';
import { startAzurite, type AzuriteHandle } from './azurite';
import { RealClock, type Clock } from './clock';

/** Options for {@link startAzureStack}. */
export interface AzureStackOptions extends Omit<ArmEmulatorOptions, 'storageConnectionString' | 'clock'> {
  /** Shared by the emulator and whoever else needs time (the local Functions host). Default: wall clock. */
  clock?: Clock;
  /** Forward Azurite's output (default silent). */
  silent?: boolean;
  /** Azurite's data folder (default: in memory): see `AzuriteOptions.location`. */
  azuriteLocation?: string;
}

/** Azurite + the ARM emulator, and the app settings that point the app at them. */
export interface AzureStack {
  clock: Clock;
  azurite: AzuriteHandle;
  arm: ArmEmulator;
  /** Path of the emulator's CA certificate (PEM), removed on stop. */
  caFile: string;
  /**
   * Environment for the app: ARM endpoint and CA file, the App Service managed identity endpoint
   * (so DefaultAzureCredential obtains the emulator's token), and storage connection strings.
   */
  settings: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts Azurite and the ARM emulator together (the emulator writes backup blobs to this Azurite)
 * with one clock. Stop it in `afterAll`; stop is safe to call twice.
 */
export async function startAzureStack(options: AzureStackOptions = {}): Promise<AzureStack> {
  const { clock = new RealClock(), silent = true, azuriteLocation, ...armOptions } = options;
  const azurite = await startAzurite({
    silent,
    ...(azuriteLocation === undefined ? {} : { location: azuriteLocation }),
  });
  let arm: ArmEmulator | undefined;
  let dir: string | undefined;
  try {
    arm = await startArmEmulator({ ...armOptions, clock, storageConnectionString: azurite.connectionString });
    dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-arm-ca-'));
    const caFile = path.join(dir, 'arm-emulator-ca.pem');
    await writeFile(caFile, arm.caPem);
    const settings: Record<string, string> = {
      LIFEBOAT_ARM_ENDPOINT: arm.endpoint,
      LIFEBOAT_ARM_SCOPE: `${arm.endpoint}/.default`,
      LIFEBOAT_ARM_CA_FILE: caFile,
      IDENTITY_ENDPOINT: arm.identity.endpoint,
      IDENTITY_HEADER: arm.identity.header,
      AzureWebJobsStorage: azurite.connectionString,
      // The local host plays App Service Authentication (local/host/signIn.ts): the app may trust
      // the principal headers it sets. Never set in Azure (the app refuses it there).
      LIFEBOAT_LOCAL_MODE: 'true',
    };
    const started = arm;
    const tempDir = dir;
    let stopping: Promise<void> | undefined;
    return {
      clock,
      azurite,
      arm: started,
      caFile,
      settings,
      stop() {
        stopping ??= (async () => {
          await started.stop();
          await azurite.stop();
          await rm(tempDir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (error) {
    await arm?.stop();
    await azurite.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
