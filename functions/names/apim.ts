import type { ApimOperationPoll, PollApimOperationInput } from '../../shared/backups/contracts';
import { activityRef } from './refs';

/**
 * Functions of API Management's long-running operations that are no one area's: one poll of a
 * backup or a restore operation (the token says which). The kit's `apimOperation` step polls with
 * it for both areas. Type imports only, so orchestrations and the kit may import it.
 */
export const apim = {
  pollApimOperation: activityRef<PollApimOperationInput, ApimOperationPoll>('pollApimOperation'),
} as const;
