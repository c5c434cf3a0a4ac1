import type { Context } from 'koa';
import { codeOf, markFailed, parentFrom, startSpan, tracingOn, within } from '../observability/tracing.js';
import { routeLabel } from './access-log.js';
import type { HttpState } from './request-context.js';

/**
 * One SERVER span per HTTP request, named by method and route pattern (`GET /api/devices/:id`, never the raw
 * URL), the child of the caller's `traceparent` when it sent one; the bus calls of the request are its children.
 * A 5xx answer marks it failed. With tracing off, the request runs as it is.
 */
export async function requestTraced(ctx: Context, state: HttpState, run: () => Promise<void>): Promise<void> {
  if (!tracingOn()) return run();
  const parent = parentFrom(state.traceparent);
  const span = startSpan(ctx.method, 'SERVER', parent);
  try {
    await within(span, run, parent);
  } finally {
    const route = routeLabel(ctx as { _matchedRoute?: unknown });
    const status = ctx.status;
    if (route !== 'unmatched') span.updateName(`${ctx.method} ${route}`);
    if (span.isRecording()) {
      span.setAttributes({ 'http.request.method': ctx.method, 'url.path': ctx.path, 'http.response.status_code': status, 'cleave.request.id': state.requestId });
      if (route !== 'unmatched') span.setAttribute('http.route', route);
    }
    if (status >= 500) markFailed(span, state.failure ?? 'INTERNAL');
    else if (state.failure && span.isRecording()) span.setAttribute('cleave.error.code', state.failure);
    span.end();
  }
}

/** Keeps the stable code of a request's failure for its span. */
export function noteFailure(state: HttpState, err: unknown): void {
  if (tracingOn()) state.failure = codeOf(err);
}
