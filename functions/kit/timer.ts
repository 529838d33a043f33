import { app, type FunctionInput, type InvocationContext, type Timer } from '@azure/functions';
import { publicError } from '../../shared/errors';

/**
 * The timer wrapper: call, and on an error log one line with its code and message and rethrow, so
 * the invocation fails visibly (the next schedule tries again).
 */
export function timer(
  name: string,
  spec: {
    schedule: string;
    extraInputs?: FunctionInput[];
    handler: (timer: Timer, context: InvocationContext) => Promise<void>;
  },
): void {
  app.timer(name, {
    schedule: spec.schedule,
    ...(spec.extraInputs === undefined ? {} : { extraInputs: spec.extraInputs }),
    handler: async (t: Timer, context: InvocationContext): Promise<void> => {
      try {
        await spec.handler(t, context);
      } catch (error) {
        context.error(
          JSON.stringify({ event: 'lifeboat.timer.error', function: name, error: publicError(error) }),
        );
        throw error;
      }
    },
  });
}
