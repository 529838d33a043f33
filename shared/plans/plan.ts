import { z } from 'zod';
import {
  DEFAULT_LYNC_MODULE,
  LYNC_BACKUP_MODULES,
  displayNameSchema,
  fqdnSchema,
  recoveryPointSchema,
  sipAddressSchema,
  siteSchema,
  vmRefSchema,
} from '../contracts';
import { trafficTargetSchema } from '../traffic/contracts';

/**
 * A recovery plan, declared as code (issue 10): JSON files deployed with the app (one plan per
 * `*.json` in LIFEBOAT_PLANS_DIR, reviewed like code), each validated by this one schema at
 * start-up and on every start. Ordered groups run one after another; the steps of a group run in
 * parallel (recovery.md, "what the trusted tools do"). Every step kind has a failover and a drill
 * variant; a drill runs only drill variants.
 */

/** A plan name: it appears in run ids, blob paths and URLs. */
export const planNameSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    error: 'must be 1-40 lower-case letters, digits and inner hyphens',
  });

const stepIdSchema = z.string({ error: 'must be a string' }).regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
  error: 'must be 1-40 lower-case letters, digits and inner hyphens',
});

/** The APIM service name as configured in LIFEBOAT_PROTECTED_SERVICES (the last segment of its id). */
const serviceNameSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z](?:[a-z0-9-]{0,48}[a-z0-9])?$/i, {
    error: 'must be an API Management service name (letters, digits and hyphens, starting with a letter)',
  });

/** Whether text holds a control character other than tab, line feed and carriage return. */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) return true;
  }
  return false;
}

/** The longest instructions a manual step may carry. */
export const MAX_INSTRUCTIONS = 2000;

const common = {
  /** Unique in the plan: runs are compared step by step through it. */
  id: stepIdSchema,
  /** A step still running this long after it started ends `timedOut`. */
  timeoutMinutes: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number of minutes' })
    .min(1, { error: 'must be at least 1' })
    .max(7 * 24 * 60, { error: 'must be at most 10080 (7 days)' }),
  /** `stop`: a failure ends the plan (cleanup runs); `continue`: the next groups still run. */
  onFailure: z.enum(['stop', 'continue'], { error: 'must be "stop" or "continue"' }).default('stop'),
};

/** The step kinds and their parameters (strict: an unknown parameter is an error). */
export const stepSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('apim.restore'),
      ...common,
      params: z.strictObject({
        service: serviceNameSchema,
        /**
         * Restore into the standby even when it carries production (issue 23: a failover makes
         * it the active side; restores into the active side are refused unless a plan says so).
         */
        intoActiveSide: z.boolean({ error: 'must be true or false' }).optional(),
      }),
    }),
    z.strictObject({
      kind: z.literal('lync.conferenceRestore'),
      ...common,
      params: z.strictObject({
        site: siteSchema,
        /** The pool that still holds the conference content (the sync runs there). */
        poolFqdn: fqdnSchema,
        /** The paired pool that lost it (the agent checks the pairing before any sync). */
        lostPoolFqdn: fqdnSchema,
        module: z
          .enum(LYNC_BACKUP_MODULES, { error: `must be one of ${LYNC_BACKUP_MODULES.join(', ')}` })
          .default(DEFAULT_LYNC_MODULE),
      }),
    }),
    z.strictObject({
      kind: z.literal('hyperv.failback'),
      ...common,
      params: z.strictObject({
        site: siteSchema,
        vms: z
          .array(vmRefSchema)
          .min(1, { error: 'must list at least one VM' })
          .max(500, { error: 'must list at most 500 VMs' }),
        recoveryPointId: recoveryPointSchema.optional(),
        concurrency: z.number().int().min(1).max(50).optional(),
      }),
    }),
    z.strictObject({
      kind: z.literal('pchat.legacyEndpoint'),
      ...common,
      params: z.strictObject({
        site: siteSchema,
        sipAddress: sipAddressSchema,
        poolFqdn: fqdnSchema,
        displayName: displayNameSchema.optional(),
      }),
    }),
    // Moving traffic (issue 23): Front Door origins or Traffic Manager endpoints (shared/traffic).
    z.strictObject({
      kind: z.literal('traffic.switch'),
      ...common,
      params: trafficTargetSchema,
    }),
    // A manual action (issue 22 item 5; Azure Site Recovery's recovery plans have them, recovery.md):
    // the run waits until an Approver confirms `done` or `abort`, at most the step's timeout.
    z.strictObject({
      kind: z.literal('manual'),
      ...common,
      params: z.strictObject({
        /** What the person does, shown in the run's status, its JSON and its report. */
        instructions: z
          .string({ error: 'must be a string' })
          .trim()
          .min(1, { error: 'must not be empty' })
          .max(MAX_INSTRUCTIONS, { error: `must be at most ${MAX_INSTRUCTIONS} characters` })
          .refine((text) => !hasControlCharacters(text), {
            error: 'must not contain control characters (line breaks and tabs are allowed)',
          }),
        /** In a drill: `skip` (the default: shown, not waited for) or `wait` (rehearse it: wait for done/abort). */
        drill: z.enum(['skip', 'wait'], { error: 'must be "skip" or "wait"' }).default('skip'),
      }),
    }),
  ],
  {
    error:
      'kind must be one of apim.restore, lync.conferenceRestore, hyperv.failback, pchat.legacyEndpoint, traffic.switch, manual',
  },
);
export type PlanStep = z.output<typeof stepSchema>;
export type StepKind = PlanStep['kind'];
export const STEP_KINDS = [
  'apim.restore',
  'lync.conferenceRestore',
  'hyperv.failback',
  'pchat.legacyEndpoint',
  'traffic.switch',
  'manual',
] as const satisfies readonly StepKind[];

/** Alert severities, most severe first (Azure Monitor common alert schema). */
export const SEVERITIES = ['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4'] as const;
export const SIGNAL_TYPES = ['Metric', 'Log', 'Activity Log'] as const;

/**
 * Which monitoring alerts start this plan's failover (issue 11). An alert matches when its rule
 * name is one of `alertRules` or one of its target ids is one of `targetResourceIds` (compared as
 * normalised ARM ids), and it passes `minSeverity` (Sev0 is the most severe) and `signalTypes`.
 */
export const triggerSchema = z
  .strictObject({
    alertRules: z.array(z.string().min(1).max(260)).max(50).optional(),
    targetResourceIds: z.array(z.string().min(1).max(1024)).max(50).optional(),
    minSeverity: z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` }).optional(),
    signalTypes: z
      .array(z.enum(SIGNAL_TYPES, { error: `must be one of ${SIGNAL_TYPES.join(', ')}` }))
      .min(1)
      .optional(),
    /** A failover still waiting for approval is cancelled when the alert that started it resolves. */
    cancelPendingOnResolved: z.boolean().default(true),
  })
  .refine((t) => (t.alertRules?.length ?? 0) + (t.targetResourceIds?.length ?? 0) > 0, {
    error: 'a trigger must name at least one alert rule or target resource id',
  });
export type PlanTrigger = z.output<typeof triggerSchema>;

export const planSchema = z
  .strictObject({
    name: planNameSchema,
    description: z
      .string({ error: 'must be a string' })
      .min(1, { error: 'must not be empty' })
      .max(2000, { error: 'must be at most 2000 characters' }),
    /** Recovery time objective: the failover should be done this many minutes after it started. */
    rtoMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
    /** Recovery point objective: the recovery point used should be at most this old. */
    rpoMinutes: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60),
    /** `required` (the default): a failover waits for a person's approval; `auto`: it does not. */
    approval: z.enum(['required', 'auto'], { error: 'must be "required" or "auto"' }).default('required'),
    triggers: z.array(triggerSchema).max(20).default([]),
    groups: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(100),
          steps: z.array(stepSchema).min(1, { error: 'a group needs at least one step' }).max(100),
        }),
      )
      .min(1, { error: 'a plan needs at least one group' })
      .max(50),
  })
  .superRefine((plan, ctx) => {
    const seen = new Set<string>();
    plan.groups.forEach((g, gi) =>
      g.steps.forEach((s, si) => {
        if (seen.has(s.id))
          ctx.addIssue({
            code: 'custom',
            path: ['groups', gi, 'steps', si, 'id'],
            message: `step id "${s.id}" is used twice: ids must be unique in a plan`,
          });
        seen.add(s.id);
      }),
    );
  });
export type Plan = z.output<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;

/** A drill or a real failover. */
export type RunMode = 'drill' | 'failover';
