import type { OrchestrationContext } from 'durable-functions';
import type { CommandType } from '../../shared/contracts';
import type { RunAgentCommandInput, RunAgentCommandOutcome } from '../../shared/relay/contracts';
import { relay } from '../names/relay';
import { callSub, type Gen } from './durableSteps';

/**
 * Runs one on-premises command through `runAgentCommand` and returns its outcome with the output
 * typed by the command type (the one cast of command outputs: `runAgentCommand` only returns an
 * output the results trigger verified against that type's schema).
 */
export function* runCommand<T extends CommandType>(
  context: OrchestrationContext,
  input: RunAgentCommandInput & { type: T },
): Gen<RunAgentCommandOutcome<T>> {
  return (yield* callSub(context, relay.runAgentCommand, input)) as RunAgentCommandOutcome<T>;
}
