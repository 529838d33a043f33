import type {
  SignalFlowInput,
  SignalFlowOutput,
  StartFlowInput,
  StartFlowOutput,
} from '../../shared/steps/flows';
import { activityRef } from './refs';

/** Durable plumbing every area uses: start a child flow, signal a flow. Type imports only. */
export const durable = {
  startFlow: activityRef<StartFlowInput, StartFlowOutput>('startFlow'),
  signalFlow: activityRef<SignalFlowInput, SignalFlowOutput>('signalFlow'),
} as const;
