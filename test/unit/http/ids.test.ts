import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ID_MAX, idSchema, parseId } from '../../../shared/http/ids';
import { publicError } from '../../../shared/errors';
import { newRunId } from '../../../shared/plans/start';
import { restoreInstanceId } from '../../../shared/restore/run';
import { backupInstanceId } from '../../../shared/backups/run';
import { heartbeatInstanceId } from '../../../shared/status/heartbeats';

/** Path and query ids (issue 20): one schema for every route that takes a run, restore or plan id. */
describe('idSchema', () => {
  it.each([
    newRunId('contoso-dr', 'failover', new Date('2026-03-02T08:00:00Z'), 'k3j9x2'),
    `${newRunId('dr-all', 'drill', new Date('2026-03-02T08:00:00Z'), 'a1')}-step-apim`,
    restoreInstanceId(
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/Contoso-APIM',
    ),
    backupInstanceId('contoso-apim'),
    heartbeatInstanceId('dc1'),
    // Durable Functions' own ids: GUIDs, sub-orchestrations as `<parent>:<n>`.
    '0f8fad5b-d9cb-469f-a165-70867728950e',
    '6b0e6b3c9f0d4a9e8b7c6d5e4f3a2b1c:0',
    'contoso-dr',
  ])('accepts the ids Lifeboat and Durable Functions mint: %s', (id) => {
    expect(idSchema.safeParse(id).success).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['\u0000', 'a NUL (GET /api/runs/%00 became an instance listing)'],
    ['run\u0007x', 'a control character'],
    ['../../lifeboat-backups/x', 'a path traversal'],
    ['..', 'dot-dot alone'],
    ['a/b', 'a slash'],
    ['a\\b', 'a backslash'],
    ['a b', 'a space'],
    ['a?b', 'a query'],
    ['x'.repeat(ID_MAX + 1), 'too long'],
  ])('refuses %j (%s) with the rule', (id) => {
    const r = idSchema.safeParse(id);
    expect(r.success).toBe(false);
  });

  it('parseId names the field and the rule, never echoing the value', () => {
    expect(() => parseId('instanceId', '../secret')).toThrow(/instanceId: must be 1-\d+ letters/);
    let thrown: unknown;
    try {
      parseId('plan', '../../c/secret-blob');
    } catch (error) {
      thrown = error;
    }
    expect(publicError(thrown).message).toMatch(/^plan: must be /);
    expect((thrown as Error).message).not.toContain('secret-blob');
    expect(thrown).toMatchObject({ name: 'NonRetryableError', code: 'InvalidInput', status: 400 });
    expect(parseId('runId', 'contoso-dr')).toBe('contoso-dr');
  });

  it('never accepts a value containing "/", "..", "\\\\" or a control character (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const ok = idSchema.safeParse(s).success;
        // eslint-disable-next-line no-control-regex -- the property is about control characters
        if (s.includes('/') || s.includes('..') || s.includes('\\') || /[\u0000-\u001f\u007f]/.test(s))
          expect(ok).toBe(false);
      }),
    );
  });
});
