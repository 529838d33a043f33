import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { createFlowTickets, FLOWS_CONTAINER, inputSha256 } from '../../shared/steps/tickets';

/**
 * Starts a flow the way Lifeboat's own starters do (issue 20): its start ticket first, then the
 * start. Tests that exercise a failover flow on its own (without a plan) start it through here;
 * a bare start through the Durable API is refused (test/integration/plans/trust.test.ts).
 */
export async function startAsLifeboat(
  host: { startOrchestration(name: string, input?: unknown, instanceId?: string): Promise<string> },
  connectionString: string,
  name: string,
  input: unknown,
  instanceId: string = randomUUID().replace(/-/g, ''),
): Promise<string> {
  const tickets = createFlowTickets(
    BlobServiceClient.fromConnectionString(connectionString).getContainerClient(FLOWS_CONTAINER),
  );
  await tickets.write({
    instanceId,
    name,
    inputSha256: inputSha256(input),
    writtenAt: new Date().toISOString(),
  });
  return host.startOrchestration(name, input, instanceId);
}
