import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestHost, type TestHost } from '../../../local/host/testing';
import { loadAreas } from '../../helpers/app';

/**
 * Who vouches for the caller (issue 20): without App Service Authentication (WEBSITE_AUTH_ENABLED,
 * set by the platform) and outside the local stack (LIFEBOAT_LOCAL_MODE), anyone could send the
 * principal headers, so the start-up hook reports it by setting name and every operator route
 * refuses, while the health probe still answers. The local mode is refused inside App Service.
 */

const app = async (): Promise<void> => {
  const { plans } = await import('../../../functions/names/plans');
  await loadAreas({ getPlans: plans.getPlans, startDrill: plans.startDrill });
  await import('../../../functions/hooks/checkConfigurationAtStart');
};

let host: TestHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
  vi.restoreAllMocks();
});

const start = async (settings: Record<string, string>) => {
  const errors: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)));
  host = await createTestHost({
    appRoot: process.cwd(),
    app,
    settings: { AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...settings },
    timers: false,
    queues: { enabled: false },
  });
  return { host, errors };
};

describe('the identity source', () => {
  it('without App Service Authentication nor the local mode: reported at start-up, operator routes refuse, health answers', async () => {
    const { host, errors } = await start({});
    expect(
      errors.some((l) => l.includes('lifeboat.config.invalid') && l.includes('WEBSITE_AUTH_ENABLED')),
    ).toBe(true);
    for (const [method, route] of [
      ['GET', '/api/plans'],
      ['POST', '/api/drills'],
    ] as const) {
      const res = await host.fetch(route, {
        method,
        ...(method === 'POST' ? { body: '{"plan":"contoso-dr"}' } : {}),
        headers: { 'content-type': 'application/json', ...host.as('lead') },
      });
      expect(res.status, route).toBe(500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('InvalidConfiguration');
      expect(body.error.message).toContain('WEBSITE_AUTH_ENABLED');
      expect(body.error.message).toContain('LIFEBOAT_LOCAL_MODE');
    }
    expect((await host.fetch('/api/health')).status).toBe(200);
  });

  it('the local mode is refused inside App Service (WEBSITE_INSTANCE_ID set)', async () => {
    const { host } = await start({ LIFEBOAT_LOCAL_MODE: 'true', WEBSITE_INSTANCE_ID: 'f00d' });
    const res = await host.fetch('/api/plans');
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('LIFEBOAT_LOCAL_MODE: must not be set in App Service');
  });

  it('with App Service Authentication on, a signed-in reader is served; an anonymous caller gets 401', async () => {
    const { host } = await start({ WEBSITE_AUTH_ENABLED: 'True' });
    expect((await host.fetch('/api/plans', { headers: host.as('rita') })).status).toBe(200);
    const anonymous = await fetch(new URL('/api/plans', host.baseUrl));
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('Unauthenticated');
  });
});
