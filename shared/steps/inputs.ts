import { z } from 'zod';

/** The input schema of activities that take none. */
export const noInput = z.strictObject({});
