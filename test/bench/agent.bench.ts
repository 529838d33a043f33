import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { run } from '../../agent/agent';
import type { AgentClock } from '../../agent/clock';
import { resolveAgentConfig } from '../../agent/config';
import { SimulatedSite, createSimulatedExecutor } from '../../local/site';
import { generateSigningKeyPair } from '../../shared/contracts';
import { startAzurite } from '../../local/azurite';
import { benchSize, type Figure, type Measurement } from './figures';

/** Real seconds the idle agent runs. */
const WINDOW_REAL_MS = benchSize(20_000, 2_000);
/** The agent's pauses run this many times faster than the wall: 20 s real = 20 min of agent time. */
const SPEED = 60;

/**
 * An HTTP proxy in front of Azurite's queue endpoint that counts every request the agent's real
 * SDK client makes (the count is measured, not computed from the backoff settings).
 */
async function countingProxy(
  target: URL,
): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/devstoreaccount1`,
    count: () => count,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function idleRequestsPerHour(): Promise<Measurement[]> {
  const azurite = await startAzurite();
  const dir = mkdtempSync(path.join(tmpdir(), 'agent-bench-'));
  const proxy = await countingProxy(new URL(azurite.queueEndpoint));
  try {
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${azurite.accountName};AccountKey=${azurite.accountKey};QueueEndpoint=${proxy.url};`;
    const service = QueueServiceClient.fromConnectionString(connectionString);
    await service.getQueueClient('agent-bench-commands').createIfNotExists();
    await service.getQueueClient('agent-results').createIfNotExists();
    const app = generateSigningKeyPair();
    const agent = generateSigningKeyPair();
    // Default poll settings: only the site, keys and paths are given.
    const fromFile = resolveAgentConfig(
      {
        site: 'bench',
        agentId: 'agent-bench',
        queue: {},
        trustedCommandKeys: { [app.keyId]: app.publicKeyPem },
        signingKey: { keyId: agent.keyId },
        executor: { kind: 'powershell' },
        ledgerPath: path.join(dir, 'ledger.jsonl'),
        auditPath: path.join(dir, 'audit.jsonl'),
      },
      {
        LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING: connectionString,
        LIFEBOAT_AGENT_SIGNING_KEY: agent.privateKeyPem,
      },
    );
    // The simulated site is handed to the agent in code (local/site), as `npm start` does.
    const config = { ...fromFile, executor: { kind: 'provided' as const } };
    const start = Date.now();
    const clock: AgentClock = {
      now: () => new Date(start + (Date.now() - start) * SPEED),
      sleep: (ms, signal) =>
        new Promise((resolve, reject) => {
          const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason as Error);
          };
          const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          }, ms / SPEED);
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
    };
    const before = proxy.count();
    const controller = new AbortController();
    const site = new SimulatedSite({}, () => clock.now());
    const running = run(
      config,
      { clock, executor: createSimulatedExecutor(site), log: () => undefined },
      controller.signal,
    );
    await new Promise((r) => setTimeout(r, WINDOW_REAL_MS));
    controller.abort();
    await running;
    const agentMs = (Date.now() - start) * SPEED;
    const requests = proxy.count() - before;
    return [
      {
        name: 'agent.idle.requests_per_hour',
        value: Math.round((requests / agentMs) * 3_600_000),
        unit: 'requests/h',
      },
    ];
  } finally {
    await proxy.close();
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `agent.idle.requests_per_hour`: queue requests an idle agent makes at its default backoff. */
export const figures: Figure[] = [{ names: ['agent.idle.requests_per_hour'], run: idleRequestsPerHour }];
