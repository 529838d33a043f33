import { BlobServiceClient, RestError } from '@azure/storage-blob';
import type { EmulatorContext, Operation } from '../../context';
import { renderService } from '../../gateways';
import { backupBlobSchema, type ApimConfiguration, type BackupBlob, type EmulatedService } from '../../model';
import type { ArmError, BackupRestoreParams } from '../../validation';

/**
 * What a backup or restore does when it is due: write the backup blob, or read one and replace the
 * service's configuration (with the live service's refusals: missing, corrupt, expired, SKU).
 */

/** An operation failure carrying the ARM error its poll answers with. */
export class ArmFailure extends Error {
  constructor(readonly arm: ArmError) {
    super(arm.message);
  }
}

function restoreFailed(message: string): ArmFailure {
  return new ArmFailure({ status: 400, code: 'RestoreFailed', message });
}

/** Runs the operation's storage work and settles it (succeeded or failed), freeing the service. */
async function finish(ctx: EmulatorContext, op: Operation): Promise<void> {
  const service = ctx.services.get(op.serviceKey);
  try {
    if (!service)
      throw new ArmFailure({
        status: 404,
        code: 'ResourceNotFound',
        message: 'The service was deleted during the operation.',
      });
    if (op.kind === 'Backup') await writeBackup(ctx, op);
    else await applyRestore(ctx, op, service);
    op.status = 'succeeded';
  } catch (error) {
    op.status = 'failed';
    op.error =
      error instanceof ArmFailure
        ? error.arm
        : { status: 500, code: 'InternalServerError', message: `The operation failed: ${String(error)}` };
  }
  if (service) {
    service.runningOperation = undefined;
    service.provisioningState = 'Succeeded';
    service.targetProvisioningState = '';
    service.etagCounter++;
    // Frozen at completion so repeated polls (a resumed poller may see it twice) are identical.
    if (op.status === 'succeeded') {
      await ctx.gateways.get(op.serviceKey)?.ready;
      op.finalResource = renderService(ctx, service);
    }
  }
}

/** Finishes the operation once (later calls wait for the same work). */
export function settle(ctx: EmulatorContext, op: Operation): Promise<void> {
  op.finishing ??= finish(ctx, op);
  return op.finishing;
}

async function writeBackup(ctx: EmulatorContext, op: Operation): Promise<void> {
  const container = containerClient(ctx, op.params);
  await container.createIfNotExists();
  const text = JSON.stringify(op.snapshot);
  await container.getBlockBlobClient(op.params.backupName).upload(text, Buffer.byteLength(text), {
    metadata: { createdat: op.snapshot?.createdAt ?? ctx.clock.now().toISOString() },
    blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
  });
}

async function applyRestore(ctx: EmulatorContext, op: Operation, target: EmulatedService): Promise<void> {
  const { storageAccount, containerName, backupName } = op.params;
  const blob = containerClient(ctx, op.params).getBlobClient(backupName);
  let buffer: Buffer;
  let lastModified: Date | undefined;
  let createdAt: string | undefined;
  try {
    const props = await blob.getProperties();
    lastModified = props.lastModified;
    createdAt = props.metadata?.['createdat'];
    buffer = await blob.downloadToBuffer();
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 404) {
      throw restoreFailed(
        `Cannot restore: backup '${backupName}' was not found in container '${containerName}' of storage account '${storageAccount}'.`,
      );
    }
    throw error;
  }
  let parsed: BackupBlob;
  try {
    parsed = backupBlobSchema.parse(JSON.parse(buffer.toString('utf8')));
  } catch {
    throw restoreFailed('Cannot restore: the backup file is corrupt or not an API Management backup.');
  }
  // The emulator's clock may be virtual, so the blob's own time is the creation stamp the
  // emulator wrote (on the same clock); a blob written by someone else falls back to Last-Modified.
  const blobTime =
    createdAt !== undefined && !Number.isNaN(Date.parse(createdAt))
      ? Date.parse(createdAt)
      : lastModified?.getTime();
  if (blobTime !== undefined && ctx.clock.now().getTime() - blobTime > ctx.expiryMs)
    throw restoreFailed('Cannot restore: backup expired');
  if (parsed.sku.name.toLowerCase() !== target.sku.name.toLowerCase()) {
    throw restoreFailed(
      `Cannot restore: current SKU is '${target.sku.name}', backup SKU is '${parsed.sku.name}'`,
    );
  }
  const restored = structuredClone(parsed.configuration) as ApimConfiguration;
  const drop = ctx.takeFault('restoreResult');
  if (drop?.kind === 'dropApiOnRestore') {
    const name = drop.api ?? restored.apis[0]?.name.split(';rev=')[0];
    restored.apis = restored.apis.filter((a) => a.name.split(';rev=')[0] !== name);
  }
  target.configuration = restored;
}

function containerClient(ctx: EmulatorContext, params: BackupRestoreParams) {
  const conn = ctx.resolveStorage(params.storageAccount);
  if (conn === undefined) {
    throw new ArmFailure({
      status: 400,
      code: 'InvalidParameters',
      message: `Invalid parameter: storage account '${params.storageAccount}' was not found.\r\nParameter name: backupStorageAccount`,
    });
  }
  return BlobServiceClient.fromConnectionString(conn).getContainerClient(params.containerName);
}
