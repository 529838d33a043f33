import type { ServerResponse } from 'node:http';
import type { EmulatorContext } from '../../context';
import { faultAnswer, send, sendError } from '../../respond';
import { armPath, type ArmRoute } from '../../route';
import { settle } from './operations';
import { APIM_SERVICE, requestedService } from './service';

/** GET an operation's result: 202 while it runs, then the final answer (or its error). */
export const apimOperationResults: ArmRoute = {
  name: 'apim operation results',
  pattern: armPath(`${APIM_SERVICE}/operationresults/(?<operationId>[^/]+)`),
  method: 'GET',
  wrongMethod: () => 'Operation results are read with GET.',
  async handle(ctx, request) {
    const { key, name } = requestedService(ctx, request);
    await answerPoll(
      ctx,
      request.res,
      request.params['operationId'] ?? '',
      key,
      request.apiVersion,
      request.url.pathname,
      name,
    );
  },
};

/** Where and when to poll an operation (the 202 headers). */
export function pollHeaders(
  ctx: EmulatorContext,
  servicePath: string,
  id: string,
  apiVersion: string,
): Record<string, string> {
  return {
    location: `${ctx.endpoint}${servicePath}/operationresults/${encodeURIComponent(id)}?api-version=${encodeURIComponent(apiVersion)}`,
    'retry-after': String(ctx.retryAfterSeconds),
  };
}

async function answerPoll(
  ctx: EmulatorContext,
  res: ServerResponse,
  rawId: string,
  key: string,
  apiVersion: string,
  pathname: string,
  name: string,
): Promise<void> {
  const id = decodeURIComponent(rawId);
  const op = ctx.operations.get(id);
  if (!op || op.serviceKey !== key) {
    sendError(res, {
      status: 404,
      code: 'ResourceNotFound',
      message: `The operation '${id}' was not found.`,
    });
    return;
  }
  const fault = ctx.takeFault('poll');
  if (fault?.kind === 'failOperation' && op.status === 'running') {
    op.cancelTimer();
    op.finishing ??= Promise.resolve();
    op.status = 'failed';
    op.error = {
      status: fault.status ?? 500,
      code: fault.code ?? `${op.kind}Failed`,
      message: fault.message ?? `The ${op.kind.toLowerCase()} operation failed.`,
    };
    const service = ctx.services.get(op.serviceKey);
    if (service) {
      service.runningOperation = undefined;
      service.provisioningState = 'Succeeded';
      service.targetProvisioningState = '';
      service.etagCounter++;
    }
  } else if (fault && faultAnswer(res, fault, name)) {
    return;
  }
  // Due but its completion callback has not finished the storage work yet: finish it now, so a
  // poll after the clock passed the due time always sees the final state.
  if (op.status === 'running' && ctx.clock.now().getTime() >= op.dueAt) await settle(ctx, op);
  if (op.status === 'running') {
    send(
      res,
      202,
      undefined,
      pollHeaders(ctx, pathname.replace(/\/operationresults\/[^/]+\/?$/i, ''), id, apiVersion),
    );
  } else if (op.status === 'failed' && op.error) {
    sendError(res, op.error);
  } else {
    send(
      res,
      200,
      ctx.finalAnswer.endTime
        ? { ...op.finalResource, endTime: new Date(op.dueAt).toISOString() }
        : op.finalResource,
    );
  }
}
