import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Bus } from '../bus/bus.js';
import type { Principal } from '../bus/envelope.js';
import type { InstanceInfo } from '../bus/presence.js';
import { hasRole, type Contract } from '../contract/contract.js';
import { CleaveError, httpStatus } from '../errors.js';
import type { VerifyToken } from '../http/auth.js';
import { readFormBody } from '../http/body.js';
import type { TrustedProxies } from '../http/forwarded.js';
import { stateOf } from '../http/request-context.js';
import { html, type Html } from '../kernel/html.js';
import type { DashboardDeclaration, Panel, PanelView } from '../kernel/panels.js';
import type { Logger } from '../observability/log.js';
import { instancesPanel, modulesPanel } from './overview.js';
import { assetsPath, dashboardPage, loginPage, panelFrame } from './page.js';
import { dashboardCss, dashboardIcon } from './style.js';
import { assertFromDashboard, assertSameOrigin, dashboardPath, endSession, loginPath, startSession, userOf } from './session.js';

/** What a host's dashboard shows. */
export interface DashboardOptions {
  /** The modules whose panels this host shows (those whose routes it serves), in order. */
  modules: Array<{ contract: Contract; dashboard?: DashboardDeclaration }>;
  /** Every module of the build, for the Modules panel. */
  moduleNames: string[];
  /** The operation the sign-in form calls (a module's `dashboard.login`); without it nobody can sign in. */
  login?: { module: string; operation: string };
  /** The deployment's live instances (presence; on the in-process bus, this host). */
  instances: () => InstanceInfo[];
}

/** What the dashboard needs from the host's HTTP layer. */
export interface DashboardDeps {
  bus: Bus;
  verifyToken: VerifyToken;
  trustedProxies: TrustedProxies;
  bodyLimit: number;
  log: Logger;
}

interface Mounted {
  owner: string;
  panel: Panel;
}

const htmxFile = createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js');
let htmx: Buffer | undefined;

const securityHeaders = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function send(ctx: Context, body: Html, status = 200): void {
  ctx.status = status;
  ctx.set(securityHeaders);
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = body.text;
}

/** The page's query parameters as single strings (a parameter given twice keeps its first value). */
function paramsOf(ctx: Context): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx.query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') params[key] = first;
  }
  return params;
}

const queryOf = (params: Record<string, string>) => {
  const query = new URLSearchParams(params).toString();
  return query ? `?${query}` : '';
};

/**
 * Mounts the dashboard under `/dashboard`: sign-in and sign-out, the page, the refresh of all its panels or of one,
 * each panel's actions,
 * and the page's two assets (stylesheet, htmx). Guarantee: every panel and action needs a valid session of a role
 * the panel or action allows (else 401 with `HX-Redirect` to the sign-in page, or 403); every action also needs the
 * `HX-Request` header and, when sent, this host's `Origin` (403 otherwise); a panel that fails shows its error alone.
 */
export function mountDashboard(router: Router, options: DashboardOptions, deps: DashboardDeps): void {
  const panels = new Map<string, Mounted>();
  const add = (owner: string, panel: Panel) => {
    const key = `${owner}/${panel.id}`;
    if (panels.has(key)) throw new Error(`two dashboard panels are named ${key}`);
    panels.set(key, { owner, panel });
  };
  add('kernel', instancesPanel(options.instances));
  add('kernel', modulesPanel(options.moduleNames, options.instances));
  for (const { contract, dashboard } of options.modules) for (const panel of dashboard?.panels ?? []) add(contract.name, panel);

  const viewOf = (ctx: Context, user: Principal, { owner, panel }: Mounted): PanelView => {
    const state = stateOf(ctx);
    const params = paramsOf(ctx);
    return {
      principal: user,
      client: (contract) => deps.bus.client(contract, { principal: user, correlationid: state.requestId, traceparent: state.traceparent }),
      params,
      allows: (role) => hasRole(user.role, role),
      actionUrl: (name) => `${dashboardPath}/panels/${owner}/${panel.id}/${encodeURIComponent(name)}${queryOf(params)}`,
      link: (linked) => `${dashboardPath}${queryOf(linked)}`,
    };
  };

  const frame = async (ctx: Context, user: Principal, mounted: Mounted, notice?: Html): Promise<Html> => {
    const { owner, panel } = mounted;
    let content: Html;
    try {
      content = await panel.render(viewOf(ctx, user, mounted));
    } catch (err) {
      content = failure(err, deps.log, `could not render dashboard panel ${owner}/${panel.id}`);
    }
    return panelFrame(`panel-${owner}-${panel.id}`, panel.title, html`${notice ?? ''}${content}`);
  };

  const visible = (user: Principal) => [...panels.values()].filter(({ panel }) => hasRole(user.role, panel.access ?? 'viewer'));
  const framesFor = (ctx: Context, user: Principal) => Promise.all(visible(user).map((mounted) => frame(ctx, user, mounted)));

  /** The signed-in user of a panel request; a request without one is told to go to the sign-in page. */
  const userOrRedirect = async (ctx: Context): Promise<Principal | undefined> => {
    const user = await userOf(ctx, deps.verifyToken);
    if (user) return user;
    ctx.status = 401;
    ctx.set('HX-Redirect', loginPath);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = 'sign in again';
    return undefined;
  };

  const panelOf = (ctx: Context & { params: Record<string, string> }, user: Principal): Mounted => {
    const mounted = panels.get(`${ctx.params.owner}/${ctx.params.panel}`);
    if (!mounted) throw new CleaveError('NOT_FOUND', `no dashboard panel ${ctx.params.owner}/${ctx.params.panel}`);
    if (!hasRole(user.role, mounted.panel.access ?? 'viewer')) throw new CleaveError('PERMISSION_DENIED', `this panel needs the ${mounted.panel.access} role`);
    return mounted;
  };

  const asset = (name: string, type: string, body: () => string | Buffer) =>
    router.get(`${assetsPath}/${name}`, (ctx) => {
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.type = type;
      ctx.body = body();
    });
  asset('htmx.min.js', 'text/javascript; charset=utf-8', () => (htmx ??= readFileSync(htmxFile)));
  asset('dashboard.css', 'text/css; charset=utf-8', () => dashboardCss);
  asset('icon.svg', 'image/svg+xml', () => dashboardIcon);

  router.get(loginPath, async (ctx) => {
    if (await userOf(ctx, deps.verifyToken)) return ctx.redirect(dashboardPath);
    send(ctx, loginPage());
  });

  router.post(loginPath, async (ctx) => {
    assertSameOrigin(ctx);
    const form = await readFormBody(ctx, deps.bodyLimit);
    const email = (form.email ?? '').trim();
    if (!options.login) return send(ctx, loginPage('No module of this build signs users in.', email), 503);
    if (!email || !form.password) return send(ctx, loginPage('Enter your e-mail and password.', email), 400);
    try {
      const input = { email, password: form.password, address: deps.trustedProxies.clientAddress(ctx.req) };
      const output = (await deps.bus.call(options.login.module, options.login.operation, input, { correlationid: stateOf(ctx).requestId })) as { token: string; expiresAt: string };
      startSession(ctx, deps.trustedProxies.isSecure(ctx.req), output.token, output.expiresAt);
      ctx.status = 303;
      ctx.redirect(dashboardPath);
    } catch (err) {
      // A malformed e-mail is as wrong as an unknown one: the form says the same of both.
      const code = err instanceof CleaveError ? err.code : 'INTERNAL';
      if (code === 'UNAUTHENTICATED' || code === 'INVALID_ARGUMENT') return send(ctx, loginPage('Invalid e-mail or password.', email), 401);
      if (code === 'INTERNAL') deps.log.error({ err }, 'dashboard sign-in failed');
      send(ctx, loginPage(`Signing in failed: ${code === 'INTERNAL' ? 'internal error' : (err as Error).message}`, email), httpStatus[code]);
    }
  });

  router.post(`${dashboardPath}/logout`, (ctx) => {
    assertFromDashboard(ctx);
    endSession(ctx, deps.trustedProxies.isSecure(ctx.req));
    ctx.set('HX-Redirect', loginPath);
    ctx.status = 204;
  });

  router.get(dashboardPath, async (ctx) => {
    const user = await userOf(ctx, deps.verifyToken);
    if (!user) return ctx.redirect(loginPath);
    send(ctx, dashboardPage(user, `${dashboardPath}/panels${queryOf(paramsOf(ctx))}`, await framesFor(ctx, user)));
  });

  router.get(`${dashboardPath}/panels`, async (ctx) => {
    const user = await userOrRedirect(ctx);
    if (!user) return;
    send(ctx, html`${await framesFor(ctx, user)}`);
  });

  router.get(`${dashboardPath}/panels/:owner/:panel`, async (ctx) => {
    const user = await userOrRedirect(ctx);
    if (!user) return;
    send(ctx, await frame(ctx, user, panelOf(ctx, user)));
  });

  router.post(`${dashboardPath}/panels/:owner/:panel/:action`, async (ctx) => {
    const user = await userOrRedirect(ctx);
    if (!user) return;
    assertFromDashboard(ctx);
    const mounted = panelOf(ctx, user);
    const action = Object.hasOwn(mounted.panel.actions ?? {}, ctx.params.action) ? mounted.panel.actions![ctx.params.action] : undefined;
    if (!action) throw new CleaveError('NOT_FOUND', `dashboard panel ${mounted.owner}/${mounted.panel.id} has no action "${ctx.params.action}"`);
    if (!hasRole(user.role, action.access)) throw new CleaveError('PERMISSION_DENIED', `this action needs the ${action.access} role; you have ${user.role}`);
    const form = await readFormBody(ctx, deps.bodyLimit);
    let notice: Html | undefined;
    try {
      await action.run(form, viewOf(ctx, user, mounted));
    } catch (err) {
      notice = failure(err, deps.log, `dashboard action ${mounted.owner}/${mounted.panel.id}/${ctx.params.action} failed`);
    }
    send(ctx, await frame(ctx, user, mounted, notice));
  });
}

/** What a user is told of a failure: a CleaveError's own message; anything else is logged and called internal. */
function failure(err: unknown, log: Logger, what: string): Html {
  if (err instanceof CleaveError && err.code !== 'INTERNAL') return html`<p role="alert">${err.message}</p>`;
  log.error({ err }, what);
  return html`<p role="alert">Internal error; see the host's log.</p>`;
}
