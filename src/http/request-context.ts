import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Principal } from '../bus/envelope.js';

/** What the kernel middleware keeps on `ctx.state` for one request. */
export interface HttpState {
  requestId: string;
  /** The caller's W3C trace context, when it sent a valid one. */
  traceparent?: string;
  principal?: Principal;
  /** The stable code of the failure the request was answered with (kept for its span, with tracing on). */
  failure?: string;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** The kernel state of a request. */
export function stateOf(ctx: Context): HttpState {
  return ctx.state as HttpState;
}

/** True when `value` is a W3C `traceparent` header of a known shape (version 00 layout, non-zero ids). */
export function isValidTraceparent(value: string): boolean {
  const match = traceparentPattern.exec(value);
  if (!match) return false;
  const [, version, traceId, parentId] = match;
  return version !== 'ff' && !/^0+$/.test(traceId) && !/^0+$/.test(parentId);
}

/**
 * Gives the request an id (the client's `x-request-id` when it is safe to reuse, else a new uuid), echoes it
 * in the response, and keeps a valid `traceparent` for the bus calls of the request.
 */
export function startRequest(ctx: Context): HttpState {
  const headers = ctx.req.headers;
  const given = headers['x-request-id'];
  const state = stateOf(ctx);
  state.requestId = typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
  ctx.set('x-request-id', state.requestId);
  const traceparent = headers.traceparent;
  if (typeof traceparent === 'string') {
    const normal = traceparent.trim().toLowerCase();
    if (isValidTraceparent(normal)) state.traceparent = normal;
  }
  return state;
}

/** `startRequest` as a middleware of its own. */
export function requestContext(): Middleware {
  return async (ctx, next) => {
    startRequest(ctx);
    await next();
  };
}
