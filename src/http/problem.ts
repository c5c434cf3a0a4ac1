import { STATUS_CODES } from 'node:http';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { CleaveError, httpStatus, type FieldIssue } from '../errors.js';
import { stateOf } from './request-context.js';

/** A failure that belongs to HTTP itself (405, 413, 415, ...) and has no bus error code. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** An RFC 9457 problem document as Cleave sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  requestId: string;
  errors?: FieldIssue[];
}

const codeOfStatus: Record<number, string> = {
  ...Object.fromEntries(Object.entries(httpStatus).map(([code, status]) => [status, code])),
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  501: 'NOT_IMPLEMENTED',
};

const busInputPrefix = /^[a-z][a-z0-9-]*\.[A-Za-z0-9]+ input: /;

function issuesOf(details: unknown): FieldIssue[] | undefined {
  const issues = (details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return undefined;
  return issues
    .filter((issue): issue is FieldIssue => typeof issue?.path === 'string' && typeof issue?.message === 'string')
    .map(({ path, message }) => ({ path, message }));
}

/** Response headers an error asks for through its details: `retryAfterSeconds` becomes `Retry-After`. */
function headersOf(details: unknown): Record<string, string> | undefined {
  const seconds = (details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return Number.isSafeInteger(seconds) && (seconds as number) >= 0 ? { 'Retry-After': String(seconds) } : undefined;
}

function codeFor(status: number): string {
  return codeOfStatus[status] ?? (STATUS_CODES[status] ?? 'ERROR').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

interface Described {
  status: number;
  code: string;
  detail: string;
  errors?: FieldIssue[];
  headers?: Record<string, string>;
}

function describe(err: unknown): Described | undefined {
  if (err instanceof CleaveError) {
    const errors = err.code === 'INVALID_ARGUMENT' ? issuesOf(err.details) : undefined;
    const detail = err.code === 'INVALID_ARGUMENT' ? err.message.replace(busInputPrefix, '') : err.message;
    return { status: httpStatus[err.code], code: err.code, detail, errors, headers: headersOf(err.details) };
  }
  if (err instanceof HttpProblem) return { status: err.status, code: err.code, detail: err.message, headers: err.headers };
  const { status, expose, message } = (err ?? {}) as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500 && expose === true && typeof message === 'string') {
    return { status, code: codeFor(status), detail: message };
  }
  return undefined;
}

function send(ctx: Context, described: Described): void {
  const { status, code, detail, errors, headers } = described;
  const problem: Problem = {
    type: `urn:cleave:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    instance: ctx.path,
    requestId: stateOf(ctx).requestId,
  };
  if (errors?.length) problem.errors = errors;
  for (const [name, value] of Object.entries(headers ?? {})) ctx.set(name, value);
  if (status === 401 && !ctx.response.get('WWW-Authenticate')) {
    ctx.set('WWW-Authenticate', ctx.get('authorization') ? 'Bearer realm="cleave", error="invalid_token"' : 'Bearer realm="cleave"');
  }
  ctx.status = status;
  ctx.body = JSON.stringify(problem);
  ctx.type = 'application/problem+json';
}

/** Answers a request no route took (404) or took with another method (405, 501) with a problem document. */
export function answerUnmatched(ctx: Context): void {
  if (ctx.body != null || (ctx.status !== 404 && ctx.status !== 405 && ctx.status !== 501)) return;
  const detail =
    ctx.status === 404
      ? `no route for ${ctx.method} ${ctx.path}`
      : `${ctx.method} is not allowed on ${ctx.path}` + (ctx.response.get('Allow') ? ` (allowed: ${ctx.response.get('Allow')})` : '');
  send(ctx, { status: ctx.status, code: codeFor(ctx.status), detail });
}

/** Answers a failed request with its problem document; unknown errors give a generic 500 and are logged with their stack. */
export function answerFailure(ctx: Context, err: unknown, log: Logger): void {
  if (ctx.headerSent || !ctx.writable) {
    log.error({ err, requestId: stateOf(ctx).requestId }, 'request failed after its response started');
    return;
  }
  const described = describe(err);
  if (described) return send(ctx, described);
  log.error({ err, requestId: stateOf(ctx).requestId, method: ctx.method, path: ctx.path }, 'unhandled error');
  send(ctx, { status: 500, code: 'INTERNAL', detail: 'internal error' });
}

/**
 * The one error handling: every failure below it, and every unmatched route (404) or wrong method (405),
 * becomes an `application/problem+json` response.
 */
export function problems(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      answerUnmatched(ctx);
    } catch (err) {
      answerFailure(ctx, err, log);
    }
  };
}
