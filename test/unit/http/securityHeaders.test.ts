import { HttpResponse, type HttpResponseInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { HTML_SECURITY_HEADERS, withSecurityHeaders } from '../../../functions/kit/http';

/** Issue 20: the page security headers are added in one place, to every HTML answer. */
describe('withSecurityHeaders', () => {
  it('adds the CSP (frame-ancestors none), nosniff and no-referrer to an HTML answer, over what the handler set', () => {
    const out = withSecurityHeaders({
      status: 200,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Frame-Options': 'ALLOWALL',
      },
      body: '<p>x</p>',
    });
    expect(out.headers).toEqual({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      ...HTML_SECURITY_HEADERS,
    });
    expect(HTML_SECURITY_HEADERS['content-security-policy']).toMatch(
      /default-src 'none'.*frame-ancestors 'none'/,
    );
    expect(out.body).toBe('<p>x</p>');
  });

  it('adds nosniff alone to a JSON answer', () => {
    const out = withSecurityHeaders<HttpResponseInit>({
      status: 400,
      jsonBody: { error: { code: 'InvalidInput', message: 'x' } },
    });
    expect(out.headers).toEqual({ 'x-content-type-options': 'nosniff' });
    expect(out.jsonBody).toEqual({ error: { code: 'InvalidInput', message: 'x' } });
  });

  it('sets the headers in place on an SDK response object', () => {
    const res = new HttpResponse({ status: 200, headers: { 'content-type': 'text/html' }, body: 'x' });
    expect(withSecurityHeaders(res)).toBe(res);
    expect(res.headers.get('content-security-policy')).toBe(HTML_SECURITY_HEADERS['content-security-policy']);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
