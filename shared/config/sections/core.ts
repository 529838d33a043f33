import { z } from 'zod';
import { defineSection } from '../define';

/** Settings every part of the app uses: where Azure Resource Manager is. */
export const coreSection = defineSection(
  'core',
  {
    LIFEBOAT_ARM_ENDPOINT: z
      .url({ protocol: /^https$/, error: 'must be an https:// URL' })
      .default('https://management.azure.com')
      .describe('Azure Resource Manager endpoint (change only for sovereign clouds or Azure Stack).'),
    LIFEBOAT_ARM_SCOPE: z
      .string()
      .optional()
      .describe('Token scope for ARM; defaults to `<LIFEBOAT_ARM_ENDPOINT>/.default`.'),
    LIFEBOAT_ARM_CA_FILE: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Path to a PEM file of extra CA certificates trusted for the ARM endpoint (private endpoints with an enterprise CA; the local emulator).',
      ),
  },
  (raw) => ({
    armEndpoint: raw.LIFEBOAT_ARM_ENDPOINT.replace(/\/+$/, ''),
    armScope: raw.LIFEBOAT_ARM_SCOPE ?? `${raw.LIFEBOAT_ARM_ENDPOINT.replace(/\/+$/, '')}/.default`,
    armCaFile: raw.LIFEBOAT_ARM_CA_FILE,
  }),
);
