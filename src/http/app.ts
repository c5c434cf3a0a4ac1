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
import { mountDashboard, type DashboardOptions } from '../dashboard/routes.js';
import { LatencyChildren, recordRequest } from './access-log.js';
import { TrustedProxies } from './forwarded.js';
import { mountKernelEndpoints } from './kernel-endpoints.js';
import { openApiDocument } from './openapi.js';
import { answerFailure, answerUnmatched } from './problem.js';
import { startRequest } from './request-context.js';
import { noteFailure, requestTraced } from './request-span.js';
import { mountRoutes, type RouteDeps } from './routes.js';

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
  /** Builds the AsyncAPI document answering `GET /asyncapi.json` (once, on the first request). */
  asyncapi: () => Record<string, unknown>;
  /** Answers `GET /.well-known/jwks.json`; without it the route is not mounted. */
  jwks?: () => Promise<{ keys: unknown[] }>;
  /** What `/dashboard` shows; without it the dashboard is not mounted. */
  dashboard?: DashboardOptions;
}

/**
 * The koa application of a host: request id and trace context, access log and latency metric, problem+json
 * errors, the kernel endpoints (`/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/asyncapi.json`,
 * `/.well-known/jwks.json`), the modules' routes and the dashboard (`/dashboard`).
 */
export function createHttpApp(options: HttpOptions): Koa {
  const app = new Koa();
  app.on('error', (err: unknown) => options.log.error({ err }, 'http error outside the error middleware'));
  let openapi: Record<string, unknown> | undefined;
  let asyncapi: Record<string, unknown> | undefined;
  const router = new Router();
  mountKernelEndpoints(router, {
    metrics: options.metrics,
    readiness: options.readiness,
    jwks: options.jwks,
    openapi: () => (openapi ??= openApiDocument(options.modules)),
    asyncapi: () => (asyncapi ??= options.asyncapi()),
  });
  const deps = { ...options, trustedProxies: new TrustedProxies(options.trustProxy ?? '') };
  mountRoutes(router, options.modules, deps);
  if (options.dashboard) mountDashboard(router, options.dashboard, deps);
  app.use(kernelMiddleware(options.log, options.metrics));
  app.use(byModule(routersOf(options.modules, deps), routesOf(router)));
  return app;
}

/**
 * A router's routes, then its answers for a path it has but not for the method (405, 501). A request whose method
 * and path are exactly those of a route without parameters goes straight to that route's handler: the router
 * would try its routes one by one, compose a chain and run that same handler alone.
 */
function routesOf(router: Router): Middleware {
  const routes = router.routes() as unknown as Middleware;
  const allowed = router.allowedMethods() as unknown as Middleware;
  const exact = exactRoutes(router);
  return (ctx, next) => {
    const route = exact.get(`${ctx.method} ${ctx.path}`);
    if (!route) return routes(ctx, () => allowed(ctx, next));
    (ctx as { _matchedRoute?: string })._matchedRoute = route.path;
    ctx.params = {};
    return route.handler(ctx, next);
  };
}

/**
 * The routes without parameters, by `<METHOD> <path>`, each kept only where the router itself would run its one
 * handler and nothing else for that method and path: no earlier route with parameters, no middleware, no second
 * route of the same path takes part.
 */
function exactRoutes(router: Router): Map<string, { path: string; handler: Middleware }> {
  const exact = new Map<string, { path: string; handler: Middleware }>();
  for (const layer of router.stack) {
    if (typeof layer.path !== 'string' || layer.paramNames.length > 0 || layer.stack.length !== 1) continue;
    for (const method of layer.methods) {
      const { pathAndMethod } = router.match(layer.path, method);
      if (pathAndMethod.length !== 1 || pathAndMethod[0] !== layer) continue;
      exact.set(`${method} ${layer.path}`, { path: layer.path, handler: layer.stack[0] as unknown as Middleware });
    }
  }
  return exact;
}

/** A router per module, holding that module's routes alone (the same routes the full router holds). */
function routersOf(modules: HttpOptions['modules'], deps: RouteDeps): Map<string, Middleware> {
  const routers = new Map<string, Middleware>();
  for (const module of modules) {
    const router = new Router();
    mountRoutes(router, [module], deps);
    routers.set(module.contract.name, routesOf(router));
  }
  return routers;
}

/**
 * Hands a request for `/api/<module>/...` to that module's own router, and every other request to the full
 * router. A router tries its routes one by one; only that module's routes can match such a path (each route
 * is `/api/<its module>` and a path of its own), so the answer is the same, found among a few routes instead
 * of all of them.
 */
function byModule(routers: Map<string, Middleware>, full: Middleware): Middleware {
  return (ctx, next) => {
    const path = ctx.path;
    if (path.startsWith('/api/')) {
      const end = path.indexOf('/', 5);
      const router = routers.get(end < 0 ? path.slice(5) : path.slice(5, end));
      if (router) return router(ctx, next);
    }
    return full(ctx, next);
  };
}

/**
 * What the kernel does around every request, in one middleware (one layer less per step on every request):
 * request id and trace context first (with tracing on, the request's span around the rest), then the routes,
 * with every failure and unmatched route answered as a problem document, then the access log line and latency
 * metric of what was answered.
 */
function kernelMiddleware(log: Logger, metrics: Metrics): Middleware {
  const latency = new LatencyChildren(metrics);
  return (ctx, next) => {
    const started = performance.now();
    const state = startRequest(ctx);
    return requestTraced(ctx, state, async () => {
      try {
        await next();
        answerUnmatched(ctx);
      } catch (err) {
        noteFailure(state, err);
        answerFailure(ctx, err, log);
      } finally {
        recordRequest(ctx, log, latency, (performance.now() - started) / 1000);
      }
    });
  };
}
