import { hasRole, type Access } from '../contract/contract.js';
import { CleaveError } from '../errors.js';
import type { Principal } from './envelope.js';

/**
 * Guarantee: an operation runs only for a principal its contract lets in. `public` lets anyone in; any other
 * level needs a principal (UNAUTHENTICATED without one, never read as a system call); `system` needs the role
 * `system`; a user role needs that role or better, and `system` principals pass every role check.
 */
export function authorizeCall(access: Access, principal: Principal | undefined, what: string): void {
  if (access === 'public') return;
  if (!principal) throw new CleaveError('UNAUTHENTICATED', `${what} needs a calling principal`);
  if (principal.role === 'system') return;
  if (access === 'system') throw new CleaveError('PERMISSION_DENIED', `${what} is for the system only; you have ${principal.role}`);
  if (!hasRole(principal.role, access)) throw new CleaveError('PERMISSION_DENIED', `${what} needs the ${access} role; you have ${principal.role}`);
}

/** The principal of the kernel itself (edge listener, key set fetches). */
export const kernelPrincipal = (sub = 'kernel'): Principal => ({ sub, role: 'system' });
