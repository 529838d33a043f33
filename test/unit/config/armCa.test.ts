import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArmCa } from '../../../shared/config/armCa';
import { NonRetryableError } from '../../../shared/errors';

const core = (armCaFile?: string) => ({
  armEndpoint: 'https://management.azure.com',
  armScope: 'https://management.azure.com/.default',
  armCaFile,
});

describe('readArmCa', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-armca-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is undefined when no CA file is configured', () => {
    expect(readArmCa(core())).toBeUndefined();
  });

  it('reads the configured PEM file', async () => {
    const file = path.join(dir, 'ca.pem');
    await writeFile(file, 'PEM TEXT');
    expect(readArmCa(core(file))).toBe('PEM TEXT');
  });

  it('names the setting, not the path, and says retrying does not help when the file is missing', () => {
    const missing = path.join(dir, 'missing.pem');
    let caught: unknown;
    try {
      readArmCa(core(missing));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NonRetryableError);
    expect((caught as NonRetryableError).code).toBe('InvalidConfiguration');
    expect((caught as Error).message).toContain('LIFEBOAT_ARM_CA_FILE: the file cannot be read');
    expect((caught as Error).message).not.toContain(dir);
  });
});
