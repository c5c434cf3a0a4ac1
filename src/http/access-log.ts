import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { stateOf } from './request-context.js';

/** The route pattern a request matched (e.g. `/api/devices/:id`), or `unmatched`; never the raw URL. */
export function routeLabel(ctx: { _matchedRoute?: unknown }): string {
  const route = ctx._matchedRoute;
  return route === undefined ? 'unmatched' : String(route);
}

/**
 * Writes one JSON log line for a finished request (`method`, `path`, `route`, `status`, `ms`, `requestId`, `traceId`;
 * 5xx at error level) and observes `cleave_http_request_seconds` labelled with the matched route pattern.
 */
export function recordRequest(ctx: Context, log: Logger, metrics: Metrics, seconds: number): void {
  const status = ctx.status;
  const route = routeLabel(ctx as { _matchedRoute?: unknown });
  metrics.httpSeconds.labels(ctx.method, route, String(status)).observe(seconds);
  if (!log.isLevelEnabled(status >= 500 ? 'error' : 'info')) return;
  const line = {
    method: ctx.method,
    path: ctx.path,
    route,
    status,
    ms: Math.round(seconds * 1e5) / 100,
    requestId: stateOf(ctx).requestId,
    traceId: stateOf(ctx).traceparent?.slice(3, 35),
  };
  if (status >= 500) log.error(line, 'http request');
  else log.info(line, 'http request');
}

/** `recordRequest` as a middleware of its own, timing what runs below it. */
export function accessLog(log: Logger, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      recordRequest(ctx, log, metrics, (performance.now() - started) / 1000);
    }
  };
}
