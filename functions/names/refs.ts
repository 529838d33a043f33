/**
 * Typed durable references: each activity and orchestration is named once, with its input and
 * output types, in `functions/names/<area>.ts` (this module is the names' own vocabulary, below
 * the kit). The call helpers in functions/kit/durableSteps.ts hold the only cast
 * (at the `yield`), so call sites are checked against the callee's contract.
 */

/** An activity: its registered name and, for the type checker only, its input and output. */
export interface ActivityRef<I, O> {
  readonly kind: 'activity';
  readonly name: string;
  /** Never set: carries the types. */
  readonly types?: { readonly input: I; readonly output: O };
}

/** An orchestration (started by a route or called as a sub-orchestration). */
export interface OrchestrationRef<I, O> {
  readonly kind: 'orchestration';
  readonly name: string;
  readonly types?: { readonly input: I; readonly output: O };
}

/** Declares an activity reference. */
export function activityRef<I, O>(name: string): ActivityRef<I, O> {
  return { kind: 'activity', name };
}

/** Declares an orchestration reference. */
export function orchestrationRef<I, O>(name: string): OrchestrationRef<I, O> {
  return { kind: 'orchestration', name };
}

/** Input type of a reference. */
export type InputOf<R> = R extends ActivityRef<infer I, unknown> | OrchestrationRef<infer I, unknown>
  ? I
  : never;
/** Output type of a reference. */
export type OutputOf<R> = R extends ActivityRef<unknown, infer O> | OrchestrationRef<unknown, infer O>
  ? O
  : never;
