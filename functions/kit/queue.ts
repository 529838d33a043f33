import { app, type FunctionInput, type InvocationContext } from '@azure/functions';
import { classifyError, publicError } from '../../shared/errors';

/**
 * The queue wrapper: parse → call. A message that can never succeed (it does not parse, or the
 * handler refuses it with a non-retryable error) is recorded with its reason (one log line, and the
 * spec's `reject` record when it has one) and completed: five retries of it would only fill the
 * poison queue. Any other error is rethrown, so the host retries and finally moves the message to
 * `<queue>-poison`.
 */
export interface QueueSpec<M> {
  readonly queueName: string;
  readonly connection: string;
  readonly extraInputs?: FunctionInput[];
  /** Parses the message; throws a NonRetryableError naming the field and rule when it can never succeed. */
  readonly parse: (message: unknown) => Promise<M> | M;
  readonly handler: (message: M, context: InvocationContext) => Promise<void>;
  /** Keeps a record of a rejected message (besides the log line). */
  readonly reject?: (
    message: unknown,
    reason: { code: string; message: string },
    context: InvocationContext,
  ) => Promise<void>;
}

/** Trigger metadata worth logging (never the message body: it may carry anything). */
function metaOf(context: InvocationContext): Record<string, unknown> {
  const m = context.triggerMetadata ?? {};
  return {
    ...(typeof m['id'] === 'string' ? { messageId: m['id'] } : {}),
    ...(typeof m['dequeueCount'] === 'number' ? { dequeueCount: m['dequeueCount'] } : {}),
  };
}

/** Registers a storage-queue function. */
export function queue<M>(name: string, spec: QueueSpec<M>): void {
  app.storageQueue(name, {
    queueName: spec.queueName,
    connection: spec.connection,
    ...(spec.extraInputs === undefined ? {} : { extraInputs: spec.extraInputs }),
    handler: async (raw: unknown, context: InvocationContext): Promise<void> => {
      try {
        await spec.handler(await spec.parse(raw), context);
      } catch (error) {
        const reason = publicError(error);
        if (classifyError(error) === 'nonRetryable') {
          context.warn(
            JSON.stringify({
              event: 'lifeboat.queue.rejected',
              queue: spec.queueName,
              ...metaOf(context),
              reason,
            }),
          );
          await spec.reject?.(raw, reason, context);
          return;
        }
        context.error(
          JSON.stringify({
            event: 'lifeboat.queue.retry',
            queue: spec.queueName,
            ...metaOf(context),
            reason,
          }),
        );
        throw error;
      }
    },
  });
}
