import type { TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
  createDefaultHttpClient,
  defaultRetryPolicy,
  tlsPolicy,
  type Pipeline,
} from '@azure/core-rest-pipeline';
import type { Config } from '../config';
import { readArmCa } from '../config/armCa';
import { TransientError } from '../errors';
import {
  ALERT_ID_PATTERN,
  ALERTS_API_VERSION,
  toAzureAlert,
  type AlertRead,
  type AlertsSource,
} from './source';

/**
 * The {@link AlertsSource} on ARM: a plain `GET {alertId}?api-version=` with the app's managed
 * identity (Monitoring Reader on the watched scopes, granted by infra). `@azure/arm-alertsmanagement`
 * would bring a whole SDK for one GET; the pipeline here is the same one the SDKs use (bearer
 * token policy, retries of 5xx/429/network with backoff), so tokens and TLS work as for API
 * Management (shared/apim/client.ts).
 */
export interface ArmAlertsSourceOptions {
  /** ARM endpoint, e.g. `https://management.azure.com` or the local emulator. */
  endpoint: string;
  credential: TokenCredential;
  /** Token scope; default `<endpoint>/.default`. */
  scope?: string;
  /** Extra trusted CA (PEM) for the endpoint (the local emulator's). */
  caPem?: string;
  /** Pipeline retries of 5xx/429/network (default 2: the alert queue retries too). */
  maxRetries?: number;
}

const statusReason = (status: number) =>
  status === 401 || status === 403
    ? `Lifeboat may not read the alert (ARM ${status}): grant its identity Monitoring Reader on the alert's scope`
    : `ARM answered ${status}`;

export function createArmAlertsSource(options: ArmAlertsSourceOptions): AlertsSource {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const pipeline: Pipeline = createEmptyPipeline();
  if (options.caPem !== undefined) pipeline.addPolicy(tlsPolicy({ ca: options.caPem }));
  pipeline.addPolicy(defaultRetryPolicy({ maxRetries: options.maxRetries ?? 2, retryDelayInMs: 200 }));
  pipeline.addPolicy(
    bearerTokenAuthenticationPolicy({
      credential: options.credential,
      scopes: options.scope ?? `${endpoint}/.default`,
    }),
  );
  const client = createDefaultHttpClient();
  return {
    async read(alertId): Promise<AlertRead> {
      const id = alertId.trim();
      if (!ALERT_ID_PATTERN.test(id))
        return {
          kind: 'unreadable',
          reason:
            'alertId: is not an Alerts Management id (/subscriptions/<guid>/providers/Microsoft.AlertsManagement/alerts/<id>)',
        };
      const request = createPipelineRequest({
        url: `${endpoint}${id}?api-version=${ALERTS_API_VERSION}`,
        method: 'GET',
        headers: createHttpHeaders({ accept: 'application/json' }),
        timeout: 10_000,
      });
      let status: number;
      let text: string | undefined;
      try {
        const res = await pipeline.sendRequest(client, request);
        status = res.status;
        text = res.bodyAsText ?? undefined;
      } catch (error) {
        // No `cause`: the pipeline's error carries the request, bearer token included.
        throw new TransientError(
          `alerts: reading the alert from ARM failed: ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}`,
          { code: 'AlertsSourceUnavailable' },
        );
      }
      if (status === 404) return { kind: 'notFound' };
      if (status === 429 || status >= 500)
        throw new TransientError(`alerts: ARM answered ${status} reading an alert`, {
          code: 'AlertsSourceUnavailable',
        });
      if (status !== 200) return { kind: 'unreadable', reason: statusReason(status) };
      let body: unknown;
      try {
        body = JSON.parse(text ?? '');
      } catch {
        return { kind: 'unreadable', reason: 'the Alerts Management answer is not JSON' };
      }
      const got = toAzureAlert(body);
      return 'problem' in got
        ? { kind: 'unreadable', reason: got.problem }
        : { kind: 'found', alert: got.alert };
    },
  };
}

/** The production source from configuration (core section), with `DefaultAzureCredential` unless one is given. */
export async function createArmAlertsSourceFromConfig(
  core: Config['core'],
  credential?: TokenCredential,
): Promise<AlertsSource> {
  const caPem = readArmCa(core);
  const cred = credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
  return createArmAlertsSource({
    endpoint: core.armEndpoint,
    scope: core.armScope,
    credential: cred,
    ...(caPem === undefined ? {} : { caPem }),
  });
}
