import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricAlert } from '../../fixtures/alerts';
import { PRIMARY, SUB, apimPlan, startAlertsWorld, type AlertsWorld } from './world';

/**
 * LIFEBOAT_FAILOVERS_ENABLED=false refuses what alerts would start. Its own file (its own
 * process): the alert is read from Azure Monitor with the app's managed identity, and MSAL keeps
 * the first managed identity endpoint of a process for its lifetime, so a second world in the
 * storm file's process asked the first world's stopped endpoint for tokens (the test timed out).
 */

const id = (name: string) => `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/${name}`;

describe('failovers switched off', () => {
  let w: AlertsWorld;
  beforeAll(async () => {
    w = await startAlertsWorld([apimPlan('contoso-dr', ['contoso-apim-down'])], {
      LIFEBOAT_FAILOVERS_ENABLED: 'false',
    });
  }, 120_000);
  afterAll(async () => {
    await w?.stop();
  });

  it('refuses alert-driven starts, recorded and visible; nothing starts', async () => {
    const res = await w.post('/api/alerts', metricAlert({ alertId: id('off-1'), targets: [PRIMARY] }));
    expect(res.status).toBe(202);
    await w.settle();
    expect(await w.decisions()).toMatchObject([
      {
        alertId: id('off-1'),
        decision: 'refused',
        plan: 'contoso-dr',
        reason: expect.stringMatching(/^FailoversDisabled: /),
      },
    ]);
    expect(w.host.host.durable.list({}).filter((i) => i.instanceId.startsWith('contoso-dr-'))).toEqual([]);
  });
});
