import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { Value } from '@sinclair/typebox/value';
import type { Bus } from '../bus/bus.js';
import type { Principal } from '../bus/envelope.js';
import { grantsAtLeast, type Contract } from '../contract/contract.js';
import type { Route, RouteRequest } from '../kernel/module.js';
import { authorize, type VerifyToken } from './auth.js';
import { methodsWithBody, readJsonBody } from './body.js';
import type { TrustedProxies } from './forwarded.js';
import { stateOf } from './request-context.js';

/** A module whose routes a host serves. */
export interface HttpModule {
  contract: Contract;
  routes: Route[];
}

/** What a mounted route needs from the host. */
export interface RouteDeps {
  bus: Bus;
  verifyToken: VerifyToken;
  bodyLimit: number;
  /** Resolves the caller's address (config `http.trustProxy`). */
  trustedProxies: TrustedProxies;
}

/** The full path of a module's route: `/api/<module>` plus the route's own path (`/` maps to the prefix). */
export function fullPath(module: string, path: string): string {
  const own = path === '/' || path === '' ? '' : path.startsWith('/') ? path : `/${path}`;
  return `/api/${module}${own}`;
}

/**
 * A route's input: the query, then the body, then the path parameters, each winning over the ones before, so a
 * body field can never redirect a call to another resource than the path names (`POST /devices/a/secret` with
 * `{"id":"b"}` still acts on `a`). Query and path strings are converted to the types the contract expects.
 */
function defaultInput(contract: Contract, route: Route, request: RouteRequest): unknown {
  const schema = contract.operations[route.operation]?.input;
  const convert = (strings: Record<string, unknown>) => (schema ? (Value.Convert(schema, strings) as Record<string, unknown>) : strings);
  return { ...convert({ ...request.query }), ...(request.body as Record<string, unknown>), ...convert({ ...request.params }) };
}

/**
 * The request a route maps to its input. Query and caller address are worked out only when the route reads
 * them; each is read at most once.
 */
class LazyRouteRequest implements RouteRequest {
  private queryCopy: RouteRequest['query'] | undefined;
  private clientAddress: string | undefined;

  constructor(
    private readonly ctx: Context & { params?: Record<string, string> },
    private readonly proxies: TrustedProxies,
    readonly params: Record<string, string>,
    readonly body: unknown,
    readonly principal: Principal | undefined,
  ) {}

  get query(): RouteRequest['query'] {
    return (this.queryCopy ??= { ...this.ctx.query });
  }

  get address(): string {
    return (this.clientAddress ??= this.proxies.clientAddress(this.ctx.req));
  }
}

function handler(contract: Contract, route: Route, deps: RouteDeps) {
  const access = route.access ?? 'viewer';
  const takesBody = methodsWithBody.has(route.method);
  const status = route.status ?? 200;
  return async (ctx: Context & { params?: Record<string, string> }) => {
    const state = stateOf(ctx);
    const principal = await authorize(ctx, access, deps.verifyToken);
    state.principal = principal;
    const body = takesBody ? await readJsonBody(ctx, deps.bodyLimit) : {};
    const request = new LazyRouteRequest(ctx, deps.trustedProxies, { ...ctx.params }, body, principal);
    const input = route.input ? route.input(request) : defaultInput(contract, route, request);
    const output = await deps.bus.call(contract.name, route.operation, input, {
      principal,
      correlationid: state.requestId,
      traceparent: state.traceparent,
    });
    ctx.status = status;
    if (status === 204) return;
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(output ?? null);
  };
}

/** Mounts every route of `modules` on `router` under `/api/<module>`. */
export function mountRoutes(router: Router, modules: HttpModule[], deps: RouteDeps): void {
  for (const { contract, routes } of modules) {
    for (const route of routes) {
      const operation = contract.operations[route.operation];
      if (!operation) {
        throw new Error(`route ${route.method} ${route.path} of module "${contract.name}" names unknown operation "${route.operation}"`);
      }
      // The bus refuses such calls anyway; refusing the route at start says so before anyone is turned away.
      const access = route.access ?? 'viewer';
      if (!grantsAtLeast(access, operation.access)) {
        throw new Error(`route ${route.method} ${route.path} of module "${contract.name}" lets in ${access}, but operation "${route.operation}" needs ${operation.access}`);
      }
      router.register(fullPath(contract.name, route.path), [route.method], handler(contract, route, deps));
    }
  }
}
