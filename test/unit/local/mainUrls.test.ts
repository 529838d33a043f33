import { describe, expect, it } from 'vitest';
import { mainUrls } from '../../../local/urls';

describe('the npm start banner (issue 21, smaller)', () => {
  it('prints the main URLs: the status page first, then health, backups, restores, plans, drills, failovers, runs, alerts', () => {
    const lines = mainUrls('http://127.0.0.1:7071');
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/Status page\s+http:\/\/127\.0\.0\.1:7071\/api\/status\.html/);
    for (const route of [
      'health',
      'backups',
      'restores',
      'plans',
      'drills',
      'failovers',
      'failbacks',
      'runs',
      'alerts',
      'status',
    ])
      expect(text).toContain(`http://127.0.0.1:7071/api/${route}`);
  });
});
