import type { Context } from 'koa';
import type { Principal } from '../bus/envelope.js';
import { CleaveError } from '../errors.js';
import { hasRole, type Role } from '../contract/contract.js';

/** Verifies a bearer token; throws CleaveError UNAUTHENTICATED when it is bad. */
export type VerifyToken = (token: string) => Promise<Principal>;

function bearerOf(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) throw new CleaveError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
  return match[1];
}

export { hasRole };

/**
 * The principal of a request allowed by `access`. A `public` route needs no token but gets the principal of
 * a valid one; other routes need a valid bearer token (401) whose role ranks at least `access` (403).
 */
export async function authorize(ctx: Context, access: Role | 'public', verify: VerifyToken): Promise<Principal | undefined> {
  if (access === 'public') {
    try {
      const token = bearerOf(ctx);
      return token ? await verify(token) : undefined;
    } catch {
      return undefined;
    }
  }
  const token = bearerOf(ctx);
  if (!token) throw new CleaveError('UNAUTHENTICATED', 'authentication required: send "Authorization: Bearer <token>"');
  const principal = await verify(token);
  if (!hasRole(principal.role, access)) {
    throw new CleaveError('PERMISSION_DENIED', `this route needs the ${access} role; you have ${principal.role}`);
  }
  return principal;
}
