import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkPlanText,
  displayPlansDir,
  findPlan,
  loadPlans,
  type PlanCheckContext,
} from '../../../shared/plans/load';
import type { PlanInput } from '../../../shared/plans/plan';

/** Plans declared as code (issue 10): reading the folder, the schema, the configuration cross-checks. */

const context: PlanCheckContext = {
  services: [
    {
      serviceName: 'contoso-apim',
      standby: { serviceName: 'contoso-apim-standby' },
      drillTargets: [{ serviceName: 'contoso-apim-drill' }],
    },
    { serviceName: 'no-drill', standby: { serviceName: 'no-drill-standby' }, drillTargets: [] },
    { serviceName: 'no-standby', drillTargets: [{ serviceName: 'no-standby-drill' }] },
  ],
  sites: ['dc1'],
};

const plan = (over: Partial<PlanInput> = {}): PlanInput => ({
  name: 'contoso-dr',
  description: 'APIM and the Lync estate',
  rtoMinutes: 240,
  rpoMinutes: 1440,
  groups: [
    {
      name: 'api',
      steps: [{ id: 'apim', kind: 'apim.restore', timeoutMinutes: 90, params: { service: 'contoso-apim' } }],
    },
    {
      name: 'on-premises',
      steps: [
        {
          id: 'vms',
          kind: 'hyperv.failback',
          timeoutMinutes: 240,
          params: { site: 'dc1', vms: ['app-01', 'app-02', 'sql-01'], concurrency: 2 },
        },
        {
          id: 'lync',
          kind: 'lync.conferenceRestore',
          timeoutMinutes: 120,
          params: { site: 'dc1', poolFqdn: 'pool2.contoso.local', lostPoolFqdn: 'pool1.contoso.local' },
        },
      ],
    },
  ],
  ...over,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-plans-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = (file: string, value: unknown) =>
  writeFile(path.join(dir, file), typeof value === 'string' ? value : JSON.stringify(value, null, 2));

describe('loadPlans', () => {
  it('reads every *.json of the folder, valid with its hash; other files are ignored', async () => {
    await write('contoso-dr.json', plan());
    await write('README.md', '# not a plan');
    await mkdir(path.join(dir, 'drafts.json'));
    const entries = await loadPlans(dir, context);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      file: 'contoso-dr.json',
      name: 'contoso-dr',
      valid: true,
      problems: [],
    });
    expect(entries[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Defaults applied: what a run executes is the validated plan.
    expect(entries[0]?.plan).toMatchObject({ approval: 'required', triggers: [] });
  });

  it('a missing folder is zero plans, not an error; a relative folder is resolved from the root', async () => {
    expect(await loadPlans(path.join(dir, 'nope'), context)).toEqual([]);
    await mkdir(path.join(dir, 'plans'));
    await writeFile(path.join(dir, 'plans', 'contoso-dr.json'), JSON.stringify(plan()));
    expect((await loadPlans('plans', context, dir)).map((e) => e.valid)).toEqual([true]);
    expect(displayPlansDir('plans', dir)).toBe('plans');
    expect(displayPlansDir(path.join(dir, 'local', 'plans'), dir)).toBe('local/plans');
  });

  it('the same hash for the same plan however its JSON is laid out; another for another plan', async () => {
    await write('contoso-dr.json', plan());
    const a = (await loadPlans(dir, context))[0]?.sha256;
    const reordered = Object.fromEntries(Object.entries(plan()).reverse());
    await writeFile(path.join(dir, 'contoso-dr.json'), JSON.stringify(reordered));
    await utimes(path.join(dir, 'contoso-dr.json'), new Date(), new Date(Date.now() + 5000));
    expect((await loadPlans(dir, context))[0]?.sha256).toBe(a);
    await writeFile(path.join(dir, 'contoso-dr.json'), JSON.stringify(plan({ rtoMinutes: 60 })));
    await utimes(path.join(dir, 'contoso-dr.json'), new Date(), new Date(Date.now() + 10_000));
    expect((await loadPlans(dir, context))[0]?.sha256).not.toBe(a);
  });

  it('is cached by file mtimes: an unchanged folder is not re-read, a touched file is', async () => {
    await write('contoso-dr.json', plan());
    const first = await loadPlans(dir, context);
    expect(await loadPlans(dir, context)).toBe(first);
    await write('contoso-dr.json', '{ oops');
    await utimes(path.join(dir, 'contoso-dr.json'), new Date(), new Date(Date.now() + 60_000));
    const second = await loadPlans(dir, context);
    expect(second).not.toBe(first);
    expect(second[0]?.valid).toBe(false);
    // Another configuration re-validates the same files.
    expect(await loadPlans(dir, { ...context, sites: [] })).not.toBe(second);
  });

  it('names bad JSON with its line and column', async () => {
    await write('contoso-dr.json', '{\n  "name": "contoso-dr",\n  "description": "x"\n  "rtoMinutes": 1\n}');
    const [entry] = await loadPlans(dir, context);
    expect(entry).toMatchObject({ valid: false });
    expect(entry?.name).toBeUndefined();
    expect(entry?.problems).toEqual([
      expect.stringMatching(/^\(file\): is not valid JSON at line 4, column 3: /),
    ]);
  });

  it('plan names must be unique across files (each file is reported)', async () => {
    // A name that matches neither file name: both files are invalid, each names the other.
    await write('a.json', plan({ name: 'a' }));
    await write('b.json', plan({ name: 'a' }));
    const entries = await loadPlans(dir, context);
    expect(entries.map((e) => e.valid)).toEqual([false, false]);
    expect(entries[0]?.problems).toContain('name: "a" is also declared by b.json: plan names must be unique');
    expect(entries[1]?.problems).toEqual(
      expect.arrayContaining([
        'name: must match the file name (the plan in b.json must be named "b")',
        'name: "a" is also declared by a.json: plan names must be unique',
      ]),
    );
    expect(entries[0]?.plan).toBeUndefined();
  });
});

describe('checkPlanText: every bad field named', () => {
  const check = (value: unknown, file = 'contoso-dr.json') =>
    checkPlanText(file, JSON.stringify(value), context);

  it('an unknown step kind', () => {
    const p = plan();
    (p.groups[1]!.steps[1] as { kind: string }).kind = 'lync.failover';
    expect(check(p).problems).toEqual([
      'groups[1].steps[1].kind: kind must be one of apim.restore, lync.conferenceRestore, hyperv.failback, pchat.legacyEndpoint, traffic.switch, manual',
    ]);
  });

  it('a duplicate step id', () => {
    const p = plan();
    p.groups[1]!.steps[1]!.id = 'apim';
    expect(check(p).problems).toEqual([
      'groups[1].steps[1].id: step id "apim" is used twice: ids must be unique in a plan',
    ]);
  });

  it('a service that is not protected, one without a standby, and a warning for one without a drill target', () => {
    const p = plan({
      groups: [
        {
          name: 'api',
          steps: [
            { id: 'a', kind: 'apim.restore', timeoutMinutes: 90, params: { service: 'fabrikam-apim' } },
            { id: 'b', kind: 'apim.restore', timeoutMinutes: 90, params: { service: 'no-standby' } },
            { id: 'c', kind: 'apim.restore', timeoutMinutes: 90, params: { service: 'no-drill' } },
          ],
        },
      ],
    });
    const entry = check(p);
    expect(entry.valid).toBe(false);
    expect(entry.problems).toEqual([
      'groups[0].steps[0].params.service: "fabrikam-apim" is not a protected service (LIFEBOAT_PROTECTED_SERVICES)',
      'groups[0].steps[1].params.service: "no-standby" has no standby (standbyResourceId in LIFEBOAT_PROTECTED_SERVICES): a failover restores into the standby',
    ]);
    expect(entry.warnings).toEqual([
      'groups[0].steps[2].params.service: "no-drill" has no drill target (drillTargetResourceIds in LIFEBOAT_PROTECTED_SERVICES): a drill of step "c" would be refused',
    ]);
  });

  it('a warning alone keeps the plan valid', () => {
    const p = plan();
    p.groups[0]!.steps[0] = {
      id: 'apim',
      kind: 'apim.restore',
      timeoutMinutes: 90,
      params: { service: 'No-Drill' },
    };
    const entry = check(p);
    expect(entry).toMatchObject({ valid: true, problems: [] });
    expect(entry.warnings).toHaveLength(1);
  });

  it('an unknown site, even when another field is also wrong', () => {
    const p = plan({ description: '' });
    (p.groups[1]!.steps[0]!.params as { site: string }).site = 'dc9';
    expect(check(p).problems).toEqual([
      'description: must not be empty',
      'groups[1].steps[0].params.site: "dc9" is not in LIFEBOAT_RELAY_SITES',
    ]);
  });

  it('a name that does not match the file name', () => {
    expect(check(plan(), 'contoso.json').problems).toEqual([
      'name: must match the file name (the plan in contoso.json must be named "contoso")',
    ]);
  });

  it('a bad VM, an unknown parameter and a missing field, each with its path', () => {
    const p = plan() as unknown as {
      groups: { steps: { params: Record<string, unknown> }[] }[];
      rtoMinutes?: number;
    };
    p.groups[1]!.steps[0]!.params['vms'] = ['app-01', 'app 02!', 'sql-01'];
    p.groups[1]!.steps[0]!.params['force'] = true;
    delete p.rtoMinutes;
    const problems = check(p).problems;
    expect(problems).toContain('rtoMinutes: is required');
    expect(problems).toContain('groups[1].steps[0].params: unknown field(s) "force"');
    expect(
      problems.find((x) => x.startsWith('groups[1].steps[0].params.vms[1]: must be a VM GUID or')),
    ).toBeDefined();
  });

  it('VMs named by both name and GUID are refused (a VM named both ways would run twice)', () => {
    const p = plan();
    (p.groups[1]!.steps[0]!.params as { vms: string[] }).vms = [
      'app-01',
      '6f1c1a52-3c59-4d3e-9b71-4a1f0e2d9c11',
    ];
    expect(check(p).problems).toEqual([
      'groups[1].steps[0].params.vms: must name every VM by name or every VM by id (GUID), not both: a VM named both ways would be acted on twice',
    ]);
  });
});

describe('findPlan', () => {
  it('not found, invalid with its problems, or the plan and its hash', async () => {
    await write('contoso-dr.json', plan());
    await write('broken.json', { ...plan({ name: 'broken' }), rtoMinutes: 0 });
    const entries = await loadPlans(dir, context);
    expect(findPlan(entries, 'nope')).toEqual({ kind: 'notFound', name: 'nope' });
    expect(findPlan(entries, 'broken')).toEqual({
      kind: 'invalid',
      name: 'broken',
      file: 'broken.json',
      problems: ['rtoMinutes: Too small: expected number to be >=1'],
    });
    const found = findPlan(entries, 'Contoso-DR');
    expect(found).toMatchObject({ kind: 'found', file: 'contoso-dr.json', plan: { name: 'contoso-dr' } });
    expect(found.kind === 'found' && found.sha256).toBe(entries.find((e) => e.valid)?.sha256);
  });

  it('a file whose JSON is broken is found by its file name, as invalid', async () => {
    await write('contoso-dr.json', '{');
    const found = findPlan(await loadPlans(dir, context), 'contoso-dr');
    expect(found).toMatchObject({ kind: 'invalid', file: 'contoso-dr.json' });
  });
});
