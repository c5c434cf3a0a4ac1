/** Stable error codes. They cross the bus unchanged and map to HTTP statuses in one place. */
export const errorCodes = [
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'CONFLICT',
  'RESOURCE_EXHAUSTED',
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'VERSION_MISMATCH',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** One problem with one field of a payload, as reported by validation. */
export interface FieldIssue {
  /** JSON pointer of the field, e.g. `/email`. */
  path: string;
  message: string;
}

/** The serialisable form of an error, as it crosses the bus. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** HTTP status for each code. */
export const httpStatus: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  // The caller's and the host's builds of a contract differ in major version: a deployment fault upstream of
  // the HTTP client, so a bad gateway rather than a client error.
  VERSION_MISMATCH: 502,
  INTERNAL: 500,
};

/** The one error type of Cleave: a stable code, a message meant for the caller, optional details. */
export class CleaveError extends Error {
  override name = 'CleaveError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  toJSON(): ErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  /** Rebuilds an error that crossed the bus. */
  static fromData(data: ErrorData): CleaveError {
    const code = errorCodes.includes(data.code) ? data.code : 'INTERNAL';
    return new CleaveError(code, data.message, data.details);
  }

  /**
   * Any thrown value as a CleaveError. A store or network outage becomes UNAVAILABLE (the caller may try again);
   * other unknown errors become INTERNAL, without leaking their message.
   */
  static from(err: unknown): CleaveError {
    if (err instanceof CleaveError) return err;
    if (isOutage(err)) return new CleaveError('UNAVAILABLE', 'a store or service this needs is unreachable right now; try again shortly');
    return new CleaveError('INTERNAL', 'internal error', undefined);
  }
}

/**
 * Socket errors, PostgreSQL's "connection exception" (08), "insufficient resources" (53) and "operator
 * intervention" (57P) classes, a pool that found no connection in time, and SQLite's busy or I/O errors.
 */
const outageCodes = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|08...|53...|57P0[1-3]|SQLITE_BUSY.*|SQLITE_IOERR.*)$/;
const outageMessages = /^(Connection terminated|timeout exceeded when trying to connect|Knex: Timeout acquiring a connection)/;

/** True when `err` says a store or a peer is unreachable, not that the request itself is wrong. */
export function isOutage(err: unknown): boolean {
  const { code, message, name } = (err ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof code === 'string' && outageCodes.test(code)) return true;
  return name === 'KnexTimeoutError' || (typeof message === 'string' && outageMessages.test(message));
}

/**
 * PostgreSQL's "data exception" (22), "integrity constraint violation" (23) and "program limit exceeded" (54)
 * classes, and SQLite's equivalents.
 */
const dataErrorCodes = /^(22...|23...|54...|SQLITE_(TOOBIG|MISMATCH|CONSTRAINT|RANGE).*)$/;

/**
 * True when `err` says the store refused the data itself (a value it cannot hold, a row too large), or the data
 * broke the code that encodes it (a RangeError such as a stack overflow): the same write without that data would
 * succeed. A missing table or a lost connection is not such an error.
 */
export function isDataError(err: unknown): boolean {
  if (err instanceof RangeError || err instanceof TypeError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && dataErrorCodes.test(code);
}

/** Shorthands for the common errors. */
export const notFound = (what: string) => new CleaveError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string) => new CleaveError('CONFLICT', message);
export const invalid = (message: string, details?: unknown) =>
  new CleaveError('INVALID_ARGUMENT', message, details);
export const unauthenticated = (message = 'authentication required') =>
  new CleaveError('UNAUTHENTICATED', message);
export const forbidden = (message = 'permission denied') => new CleaveError('PERMISSION_DENIED', message);
