import { readFileSync } from 'node:fs';
import { NonRetryableError } from '../errors';
import type { Config } from './index';

/**
 * The extra CA (PEM) trusted for the ARM endpoint, read from `LIFEBOAT_ARM_CA_FILE` when it is
 * set. Every ARM client (API Management, traffic, alerts) takes it from here. A file that cannot
 * be read is a configuration error: retrying does not help.
 */
export function readArmCa(core: Config['core']): string | undefined {
  if (core.armCaFile === undefined) return undefined;
  try {
    return readFileSync(core.armCaFile, 'utf8');
  } catch (error) {
    throw new NonRetryableError('LIFEBOAT_ARM_CA_FILE: the file cannot be read', {
      code: 'InvalidConfiguration',
      cause: error,
    });
  }
}
