import type { Context } from 'koa';
import type { Principal } from '../bus/envelope.js';
import { hasRole } from '../contract/contract.js';
import { CleaveError } from '../errors.js';
import type { VerifyToken } from '../http/auth.js';

/**
 * The dashboard's session: the access token identity issued, kept in an HttpOnly, SameSite=Strict cookie scoped to
 * `/dashboard` (Secure when the browser reached the host over TLS, also through a trusted proxy that ends TLS) and
 * verified on every request like a bearer token. Changes (actions, sign-out) also need the `HX-Request` header,
 * which a page of another site cannot send without a CORS preflight the host never grants, and an `Origin`, when
 * the browser sends one, of this host.
 */

const cookieName = 'cleave_session';
/** Where the dashboard lives; the cookie goes to these paths only, never to the API. */
export const dashboardPath = '/dashboard';
export const loginPath = `${dashboardPath}/login`;

/**
 * Keeps `token` in the session cookie until `expiresAt`; `secure` (the browser came over TLS) makes it a Secure
 * cookie, which the browser never sends over plain HTTP.
 */
export function startSession(ctx: Context, secure: boolean, token: string, expiresAt: string): void {
  setCookie(ctx, secure, token, new Date(expiresAt));
}

/** Clears the session cookie. */
export function endSession(ctx: Context, secure: boolean): void {
  setCookie(ctx, secure, '', new Date(0));
}

/**
 * Sets the session cookie, Secure when `secure`. koa's cookies refuse a Secure cookie on a request koa does not see
 * as TLS itself, and behind a proxy that ends TLS every request is plain HTTP to koa: so the caller tells.
 */
function setCookie(ctx: Context, secure: boolean, value: string, expires: Date): void {
  ctx.cookies.secure = secure;
  ctx.cookies.set(cookieName, value, { httpOnly: true, sameSite: 'strict', secure, path: dashboardPath, overwrite: true, expires });
}

/**
 * The signed-in user, or undefined when there is no session cookie, its token is bad or expired, or it is not a
 * user's (a viewer at least). A key set that cannot be fetched is an error, not a signed-out user.
 */
export async function userOf(ctx: Context, verify: VerifyToken): Promise<Principal | undefined> {
  const token = ctx.cookies.get(cookieName);
  if (!token) return undefined;
  try {
    const principal = await verify(token);
    return hasRole(principal.role, 'viewer') ? principal : undefined;
  } catch (err) {
    if (err instanceof CleaveError && err.code === 'UNAUTHENTICATED') return undefined;
    throw err;
  }
}

const hostOf = (origin: string) => {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
};

/** Refuses (403) a form posted from a page of another origin, when the browser says where it comes from. */
export function assertSameOrigin(ctx: Context): void {
  const origin = ctx.get('origin');
  // The host alone: behind a proxy that ends TLS the page's scheme is not the one this host sees. And not
  // `ctx.origin`, which koa 3 takes from the request's Origin header when there is one.
  if (origin && hostOf(origin) !== ctx.host) throw new CleaveError('PERMISSION_DENIED', `dashboard forms are posted from this host, not ${origin}`);
}

/** Refuses (403) a change that does not come from the dashboard's own page. */
export function assertFromDashboard(ctx: Context): void {
  if (ctx.get('hx-request') !== 'true') throw new CleaveError('PERMISSION_DENIED', 'dashboard changes come from the dashboard page (HX-Request header missing)');
  assertSameOrigin(ctx);
}
