import type { EmulatorContext } from '../../context';
import { renderApi, renderNamedValue, renderProduct, type EmulatedService } from '../../model';
import { faultAnswer, send, sendError } from '../../respond';
import { armPath, type ArmRoute } from '../../route';
import type { ArmError } from '../../validation';
import { APIM_SERVICE, requestedService, serviceNotFound } from './service';

/** GET a service's `apis`, `products` or `namedValues`, paged as ARM pages them. */
export const apimLists: ArmRoute = {
  name: 'apim lists',
  pattern: armPath(`${APIM_SERVICE}/(?<list>apis|products|namedValues)`),
  method: 'GET',
  wrongMethod: (method, params) => `The emulator serves only GET on ${params['list']}, not ${method}.`,
  handle(ctx, request) {
    const { res, url, apiVersion } = request;
    const { name, service } = requestedService(ctx, request);
    const fault = ctx.takeFault('list');
    if (fault && faultAnswer(res, fault, name)) return Promise.resolve();
    if (!service) {
      sendError(res, serviceNotFound(request));
      return Promise.resolve();
    }
    const page = listPage(ctx, service, (request.params['list'] ?? '').toLowerCase(), url, apiVersion);
    if ('body' in page) send(res, 200, page.body);
    else sendError(res, page);
    return Promise.resolve();
  },
};

/** `$top` (at least 1, capped at the page size) and `$skip` (at least 0) of a list request. */
export function parsePaging(ctx: EmulatorContext, url: URL): { top: number; skip: number } | ArmError {
  const read = (name: '$top' | '$skip', min: number): number | ArmError | undefined => {
    const text = url.searchParams.get(name);
    if (text === null) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < min)
      return {
        status: 400,
        code: 'ValidationError',
        message: `'${name}' must be a whole number of at least ${min}.`,
      };
    return n;
  };
  const top = read('$top', 1);
  const skip = read('$skip', 0);
  if (typeof top === 'object') return top;
  if (typeof skip === 'object') return skip;
  return { top: Math.min(top ?? ctx.listPageSize, ctx.listPageSize), skip: skip ?? 0 };
}

/**
 * A page of a collection as ARM lists it: `{ value, count, nextLink? }`. The next page's link
 * is absolute and carries the api-version (the SDK GETs it verbatim) with `$top`/`$skip`.
 */
function listPage(
  ctx: EmulatorContext,
  s: EmulatedService,
  list: string,
  url: URL,
  apiVersion: string,
): { status: 200; body: unknown } | ArmError {
  const paging = parsePaging(ctx, url);
  if ('code' in paging) return paging;
  const items =
    list === 'apis'
      ? s.configuration.apis.map((a) => renderApi(s, a))
      : list === 'products'
        ? s.configuration.products.map((p) => renderProduct(s, p))
        : s.configuration.namedValues.map((nv) => renderNamedValue(s, nv));
  const { top, skip } = paging;
  const value = items.slice(skip, skip + top);
  const next = skip + top;
  const nextLink =
    next < items.length
      ? `${ctx.endpoint}${url.pathname}?api-version=${encodeURIComponent(apiVersion)}&%24top=${top}&%24skip=${next}`
      : undefined;
  return {
    status: 200,
    body: { value, count: items.length, ...(nextLink === undefined ? {} : { nextLink }) },
  };
}
