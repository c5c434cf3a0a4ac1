import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import type { HistogramChild } from '../observability/hot-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import { stateOf } from './request-context.js';

/** The route pattern a request matched (e.g. `/api/devices/:id`), or `unmatched`; never the raw URL. */
export function routeLabel(ctx: { _matchedRoute?: unknown }): string {
  const route = ctx._matchedRoute;
  return route === undefined ? 'unmatched' : String(route);
}

/**
 * The children of `cleave_http_request_seconds` by method, route pattern and status, found through maps keyed by
 * the strings and number a request already holds (building the label key string every time showed in profiles).
 */
export class LatencyChildren {
  private readonly byMethod = new Map<string, Map<string, Map<number, HistogramChild>>>();

  constructor(private readonly metrics: Metrics) {}

  /** The child for one request's labels. */
  of(method: string, route: string, status: number): HistogramChild {
    let byRoute = this.byMethod.get(method);
    if (!byRoute) this.byMethod.set(method, (byRoute = new Map()));
    let byStatus = byRoute.get(route);
    if (!byStatus) byRoute.set(route, (byStatus = new Map()));
    let child = byStatus.get(status);
    if (!child) byStatus.set(status, (child = this.metrics.httpSeconds.labels(method, route, String(status))));
    return child;
  }
}

/**
 * Writes one JSON log line for a finished request (`method`, `path`, `route`, `status`, `ms`, `requestId`, `traceId`;
 * 5xx at error level) and observes `cleave_http_request_seconds` labelled with the matched route pattern.
 */
export function recordRequest(ctx: Context, log: Logger, latency: LatencyChildren, seconds: number): void {
  const status = ctx.status;
  const route = routeLabel(ctx as { _matchedRoute?: unknown });
  latency.of(ctx.method, route, status).observe(seconds);
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
  const latency = new LatencyChildren(metrics);
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      recordRequest(ctx, log, latency, (performance.now() - started) / 1000);
    }
  };
}
