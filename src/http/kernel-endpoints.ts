import type { Router } from '@koa/router';
import type { ReadinessReport } from '../kernel/readiness.js';
import type { Metrics } from '../observability/metrics.js';

/** What the kernel endpoints report. */
export interface KernelEndpointDeps {
  metrics: Metrics;
  readiness: () => ReadinessReport | Promise<ReadinessReport>;
  openapi: () => Record<string, unknown>;
}

function json(ctx: { status: number; body: unknown; type: string }, status: number, value: unknown): void {
  ctx.status = status;
  ctx.body = JSON.stringify(value);
  ctx.type = 'application/json';
}

/** Mounts `GET /healthz`, `/readyz`, `/metrics` and `/openapi.json`; none needs a token. */
export function mountKernelEndpoints(router: Router, deps: KernelEndpointDeps): void {
  router.get('/healthz', (ctx) => json(ctx, 200, { status: 'ok' }));
  router.get('/readyz', async (ctx) => {
    let report: ReadinessReport;
    try {
      report = await deps.readiness();
    } catch (err) {
      report = { ready: false, checks: { readiness: `failed: ${(err as Error).message}` } };
    }
    const { ready, checks } = report;
    json(ctx, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
  });
  router.get('/metrics', async (ctx) => {
    ctx.body = await deps.metrics.registry.metrics();
    ctx.type = deps.metrics.registry.contentType;
  });
  router.get('/openapi.json', (ctx) => json(ctx, 200, deps.openapi()));
}
