import type { z } from 'zod';
import { formatIssues, NonRetryableError } from '../errors';
import { lyncConferenceRestoreInputSchema, vmFailbackInputSchema } from './contracts';

/**
 * `POST /api/onprem/{flow}`: which flows may be started directly, and the rules checked before
 * anything starts. Until recovery plans (with approval) exist, only drills start here: a failover
 * changes production and needs approval (the safety rules), so this route refuses it.
 */
export const ONPREM_FLOWS = {
  'vm-failback': { orchestration: 'vmFailback', schema: vmFailbackInputSchema },
  'lync-restore': { orchestration: 'lyncConferenceRestore', schema: lyncConferenceRestoreInputSchema },
} as const satisfies Record<string, { orchestration: string; schema: z.ZodType }>;

export type OnPremFlow = keyof typeof ONPREM_FLOWS;

/** A start request that passed every check: what to start, with which input. */
export interface OnPremStart {
  readonly orchestration: string;
  readonly input: unknown;
  readonly site: string;
}

function refuse(status: number, code: string, message: string): NonRetryableError {
  return new NonRetryableError(message, { code, status });
}

/**
 * Checks a start request: a known flow (404), a body the flow's schema accepts (400 naming the
 * field and rule), a configured site (404), and drill mode (403: failovers run through plans).
 */
export function checkOnPremStart(flow: string, body: unknown, sites: readonly string[]): OnPremStart {
  const spec = (ONPREM_FLOWS as Record<string, (typeof ONPREM_FLOWS)[OnPremFlow] | undefined>)[flow];
  if (spec === undefined)
    throw refuse(
      404,
      'NotFound',
      `unknown flow '${flow.slice(0, 40)}': use ${Object.keys(ONPREM_FLOWS).join(' or ')}`,
    );
  const parsed = spec.schema.safeParse(body);
  if (!parsed.success) throw refuse(400, 'InvalidInput', formatIssues(parsed.error.issues, { root: 'body' }));
  const input = parsed.data;
  if (!sites.some((s) => s.toLowerCase() === input.site.toLowerCase()))
    throw refuse(404, 'UnknownSite', `site: '${input.site}' is not in LIFEBOAT_RELAY_SITES`);
  if (input.mode !== 'drill')
    throw refuse(
      403,
      'FailoverNeedsPlan',
      'mode: only drills start here; a failover changes production and runs through a recovery plan with approval',
    );
  return { orchestration: spec.orchestration, input, site: input.site };
}
