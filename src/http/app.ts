import Koa from 'koa';
import { Router } from '@koa/router';
import type { Bus } from '../bus/bus.js';
import type { Principal } from '../bus/envelope.js';
import type { Contract } from '../contract/contract.js';
import type { Route } from '../kernel/module.js';
import type { ReadinessReport } from '../host/readiness.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Middleware } from 'koa';
import { recordRequest } from './access-log.js';
import { TrustedProxies } from './forwarded.js';
import { mountKernelEndpoints } from './kernel-endpoints.js';
import { openApiDocument } from './openapi.js';
import { answerFailure, answerUnmatched } from './problem.js';
import { startRequest } from './request-context.js';
import { mountRoutes } from './routes.js';

/** What the HTTP layer of a host needs. */
export interface HttpOptions {
  /** Routes call their operations through it. */
  bus: Bus;
  /** The modules whose routes this host serves, each mounted under `/api/<contract.name>`. */
  modules: Array<{ contract: Contract; routes: Route[] }>;
  metrics: Metrics;
  log: Logger;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Config `http.trustProxy`: proxies whose `X-Forwarded-For` names the client; default none. */
  trustProxy?: string;
  /** Verifies a bearer token; throws CleaveError UNAUTHENTICATED when it is bad. */
  verifyToken: (token: string) => Promise<Principal>;
  /** Answers `GET /readyz`. */
  readiness: () => ReadinessReport | Promise<ReadinessReport>;
  /** Answers `GET /.well-known/jwks.json`; without it the route is not mounted. */
  jwks?: () => Promise<{ keys: unknown[] }>;
}

/**
 * The koa application of a host: request id and trace context, access log and latency metric, problem+json
 * errors, the kernel endpoints (`/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/.well-known/jwks.json`) and
 * the modules' routes.
 */
export function createHttpApp(options: HttpOptions): Koa {
  const app = new Koa();
  app.on('error', (err: unknown) => options.log.error({ err }, 'http error outside the error middleware'));
  let openapi: Record<string, unknown> | undefined;
  const router = new Router();
  mountKernelEndpoints(router, {
    metrics: options.metrics,
    readiness: options.readiness,
    jwks: options.jwks,
    openapi: () => (openapi ??= openApiDocument(options.modules)),
  });
  mountRoutes(router, options.modules, { ...options, trustedProxies: new TrustedProxies(options.trustProxy ?? '') });
  app.use(kernelMiddleware(options.log, options.metrics));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/**
 * What the kernel does around every request, in one middleware (one layer less per step on every request):
 * request id and trace context first, then the routes, with every failure and unmatched route answered as a
 * problem document, then the access log line and latency metric of what was answered.
 */
function kernelMiddleware(log: Logger, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    startRequest(ctx);
    try {
      await next();
      answerUnmatched(ctx);
    } catch (err) {
      answerFailure(ctx, err, log);
    } finally {
      recordRequest(ctx, log, metrics, (performance.now() - started) / 1000);
    }
  };
}
