import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLocalLifeboat } from '../../../local/lifeboat';
import { createTestHost } from '../../../local/host/testing';
import type { PlanListItem } from '../../../shared/plans/load';
import { loadAreas } from '../../helpers/app';
import { as } from '../../helpers/people';

/**
 * Plans declared as code through the local host (issue 10): the sample plan of `npm start` is
 * listed valid by `GET /api/plans` with the launcher's settings; an invalid plan file is listed
 * invalid with its field named, and reported at start-up by the appStart hook.
 */

interface PlansAnswer {
  dir: string;
  plans: PlanListItem[];
}

afterEach(() => {
  vi.restoreAllMocks();
});

const getPlansOnly = async (): Promise<void> => {
  const { plans } = await import('../../../functions/names/plans');
  await loadAreas({ getPlans: plans.getPlans });
  await import('../../../functions/hooks/checkPlansAtStart');
};

describe('the sample plan on the local stack', () => {
  it('is listed valid, covering every step kind, with its folder shown relative', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)));
    const lifeboat = await startLocalLifeboat({
      appRoot: process.cwd(),
      port: 0,
      // Only this route and the hook (the host loads one app per process; other areas need settings this test does not give).
      loader: { kind: 'custom', load: getPlansOnly },
      apim: { backupMs: 0, restoreMs: 0, retryAfterSeconds: 1 },
      log: () => undefined,
    });
    try {
      const res = await fetch(`${lifeboat.host.origin}/api/plans`, { headers: as(lifeboat.host, 'rita') });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(process.cwd());
      const body = JSON.parse(text) as PlansAnswer;
      expect(body.dir).toBe('local/plans');
      expect(body.plans).toHaveLength(1);
      const [plan] = body.plans;
      expect(plan).toMatchObject({
        name: 'contoso-dr',
        file: 'contoso-dr.json',
        valid: true,
        approval: 'required',
        rtoMinutes: 240,
        rpoMinutes: 1440,
        problems: [],
        warnings: [],
      });
      expect(plan?.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(plan?.groups?.map((g) => g.steps.map((s) => s.kind))).toEqual([
        ['apim.restore'],
        ['hyperv.failback'],
        // The procedure's order (issue 22 item 5): users back to pool1 first, then the copy back.
        ['manual'],
        ['lync.conferenceRestore'],
        ['pchat.legacyEndpoint'],
        ['traffic.switch'],
      ]);
      expect(errors.filter((l) => l.includes('lifeboat.plan.invalid'))).toEqual([]);
    } finally {
      await lifeboat.stop();
    }
  });
});

describe('an invalid plan', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is reported at start-up, one line naming the file and every problem, and listed invalid by GET /api/plans', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-plans-'));
    const sample = JSON.parse(
      await import('node:fs/promises').then((fs) =>
        fs.readFile(path.join(process.cwd(), 'local', 'plans', 'contoso-dr.json'), 'utf8'),
      ),
    ) as { groups: { steps: { params: Record<string, unknown> }[] }[] };
    sample.groups[1]!.steps[0]!.params['vms'] = ['app-01', 'app 02!'];
    sample.groups[3]!.steps[0]!.params['site'] = 'dc9';
    await writeFile(path.join(dir, 'contoso-dr.json'), JSON.stringify(sample, null, 2));
    await writeFile(path.join(dir, 'broken.json'), '{ "name": "broken", }');

    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)));
    const host = await createTestHost({
      appRoot: process.cwd(),
      app: getPlansOnly,
      settings: {
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        LIFEBOAT_LOCAL_MODE: 'true',
        LIFEBOAT_PLANS_DIR: dir,
        LIFEBOAT_RELAY_SITES: 'dc1',
        LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
          {
            resourceId:
              '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-apim-weu/providers/Microsoft.ApiManagement/service/contoso-apim',
            standbyResourceId:
              '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-apim-neu/providers/Microsoft.ApiManagement/service/contoso-apim-standby',
          },
        ]),
      },
      timers: false,
      queues: { enabled: false },
    });
    try {
      const lines = errors
        .filter((l) => l.includes('lifeboat.plan.invalid'))
        .map((l) => JSON.parse(l) as { file: string; problems: string[] });
      expect(lines.map((l) => l.file).sort()).toEqual(['broken.json', 'contoso-dr.json']);
      const contoso = lines.find((l) => l.file === 'contoso-dr.json');
      expect(contoso?.problems).toEqual([
        expect.stringMatching(/^groups\[1\]\.steps\[0\]\.params\.vms\[1\]: must be a VM GUID or /),
        'groups[3].steps[0].params.site: "dc9" is not in LIFEBOAT_RELAY_SITES',
      ]);
      expect(lines.find((l) => l.file === 'broken.json')?.problems).toEqual([
        expect.stringMatching(
          /^\(file\): is not valid JSON at line 1, column 21: Expected double-quoted property name/,
        ),
      ]);
      // Never an absolute path: the folder as the app root sees it.
      expect(errors.join('\n')).not.toContain(`"${dir}`);

      const res = await host.fetch('/api/plans');
      expect(res.status).toBe(200);
      const body = (await res.json()) as PlansAnswer;
      expect(body.dir).toBe(path.relative(process.cwd(), dir));
      const listed = body.plans.find((p) => p.name === 'contoso-dr');
      expect(listed).toMatchObject({ file: 'contoso-dr.json', valid: false, problems: contoso?.problems });
      // The drill target is missing from this configuration: a warning, not a problem.
      expect(listed?.warnings).toEqual([expect.stringContaining('has no drill target')]);
      expect(listed?.groups).toBeUndefined();
      expect(body.plans.find((p) => p.file === 'broken.json')).toMatchObject({
        name: 'broken',
        valid: false,
      });
    } finally {
      await host.stop();
    }
  });
});
