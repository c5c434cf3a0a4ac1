import type { Router } from '@koa/router';
import type { ReadinessReport } from '../host/readiness.js';
import type { Metrics } from '../observability/metrics.js';

/** What the kernel endpoints report. */
export interface KernelEndpointDeps {
  metrics: Metrics;
  readiness: () => ReadinessReport | Promise<ReadinessReport>;
  openapi: () => Record<string, unknown>;
  /** The AsyncAPI document of the bus and the device API. */
  asyncapi: () => Record<string, unknown>;
  /**
   * The public key set that verifies access tokens, when this host serves the routes of the module that
   * issues them; `GET /.well-known/jwks.json` is mounted only then.
   */
  jwks?: () => Promise<{ keys: unknown[] }>;
}

/** How long clients may keep the key set: a rotated key is published long before its predecessor retires. */
const jwksCacheControl = 'public, max-age=300';

function json(ctx: { status: number; body: unknown; type: string }, status: number, value: unknown): void {
  ctx.status = status;
  ctx.body = JSON.stringify(value);
  ctx.type = 'application/json';
}

/**
 * Concurrent requests share one fetch of the key set, so a burst of anonymous requests costs the issuer one
 * call at a time.
 */
function shared<T>(fetch: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= fetch().finally(() => {
      pending = undefined;
    }));
}

/**
 * Mounts `GET /healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/asyncapi.json` and, with `deps.jwks`,
 * `/.well-known/jwks.json` (RFC 7517); none needs a token.
 */
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
  router.get('/asyncapi.json', (ctx) => json(ctx, 200, deps.asyncapi()));
  if (deps.jwks) {
    const jwks = shared(deps.jwks);
    router.get('/.well-known/jwks.json', async (ctx) => {
      json(ctx, 200, await jwks());
      ctx.type = 'application/jwk-set+json';
      ctx.set('Cache-Control', jwksCacheControl);
    });
  }
}
