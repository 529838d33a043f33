import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';

describe('startAzurite', () => {
  let azurite: AzuriteHandle;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it('serves blob and queue on OS-chosen loopback ports, never the fixed defaults', () => {
    const blob = new URL(azurite.blobEndpoint);
    const queue = new URL(azurite.queueEndpoint);
    expect(blob.hostname).toBe('127.0.0.1');
    expect(queue.hostname).toBe('127.0.0.1');
    expect(['10000', '10001', '10002']).not.toContain(blob.port);
    expect(['10000', '10001', '10002']).not.toContain(queue.port);
    expect(azurite.connectionString).toContain(`BlobEndpoint=${azurite.blobEndpoint};`);
  });

  it('stores a blob and a queue message through the real SDKs', async () => {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = blobs.getContainerClient('smoke');
    await container.create();
    await container.getBlockBlobClient('hello.txt').upload('hi', 2);
    const downloaded = await container.getBlobClient('hello.txt').downloadToBuffer();
    expect(downloaded.toString()).toBe('hi');

    const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const queue = queues.getQueueClient('smoke');
    await queue.create();
    await queue.sendMessage('ping');
    const received = await queue.receiveMessages();
    expect(received.receivedMessageItems[0]?.messageText).toBe('ping');
  });

  it('stops cleanly: the port no longer answers and a second stop is harmless', async () => {
    const other = await startAzurite();
    const blobs = BlobServiceClient.fromConnectionString(other.connectionString, {
      retryOptions: { maxTries: 1 },
    });
    await blobs.getContainerClient('before').create();
    await other.stop();
    await other.stop();
    await expect(blobs.getContainerClient('after').create()).rejects.toThrow();
  });
});
