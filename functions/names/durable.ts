import type {
  SignalFlowInput,
  SignalFlowOutput,
  StartFlowInput,
  StartFlowOutput,
} from '../../shared/steps/flows';
import type { FlowAdmission } from '../../shared/steps/tickets';
import { activityRef } from './refs';

/** Durable plumbing every area uses: start a child flow, signal a flow, admit a start. Type imports only. */
export const durable = {
  startFlow: activityRef<StartFlowInput, StartFlowOutput>('startFlow'),
  signalFlow: activityRef<SignalFlowInput, SignalFlowOutput>('signalFlow'),
  /** A top-level start of a flow that must be Lifeboat's own: its start ticket (issue 20). */
  admitFlowStart: activityRef<
    { name: string; instanceId: string; input: unknown; claim: string },
    FlowAdmission
  >('admitFlowStart'),
} as const;
