import type { Context } from 'koa';
import { CleaveError } from '../errors.js';
import { HttpProblem } from './problem.js';

/** The methods whose requests may carry a body Cleave reads. */
export const methodsWithBody = new Set(['POST', 'PUT', 'PATCH']);

function tooLarge(limit: number): HttpProblem {
  return new HttpProblem(413, 'PAYLOAD_TOO_LARGE', `request body is larger than ${limit} bytes`, { Connection: 'close' });
}

function hasBody(ctx: Context): boolean {
  if (ctx.req.headers['transfer-encoding'] !== undefined) return true;
  const length = ctx.req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** Reads the raw body, rejecting with 413 as soon as it passes `limit` bytes (without reading the rest). */
function readRaw(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const req = ctx.req;
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAborted = () => {
      cleanup();
      reject(new CleaveError('INVALID_ARGUMENT', 'request body was aborted'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/**
 * The JSON body of a POST, PUT or PATCH request as an object; `{}` when there is none or for other methods.
 * Fails with 415 when the body is not `application/json`, 413 past `limit` bytes, 400 when it is malformed
 * or not a JSON object.
 */
export async function readJsonBody(ctx: Context, limit: number): Promise<Record<string, unknown>> {
  if (!methodsWithBody.has(ctx.method) || !hasBody(ctx)) return {};
  if (!ctx.is('application/json', 'application/*+json')) {
    const type = ctx.get('content-type') || 'none';
    throw new HttpProblem(415, 'UNSUPPORTED_MEDIA_TYPE', `request body must be application/json, not ${type}`);
  }
  const raw = await readRaw(ctx, limit);
  const text = raw.toString('utf8');
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new CleaveError('INVALID_ARGUMENT', `malformed JSON body: ${(err as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new CleaveError('INVALID_ARGUMENT', `request body must be a JSON object, not ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`);
  }
  return body as Record<string, unknown>;
}

/**
 * The fields of an HTML form POSTed as `application/x-www-form-urlencoded` (the last value of a repeated field);
 * `{}` when there is no body. Fails with 415 for another type and 413 past `limit` bytes.
 */
export async function readFormBody(ctx: Context, limit: number): Promise<Record<string, string>> {
  if (!methodsWithBody.has(ctx.method) || !hasBody(ctx)) return {};
  if (!ctx.is('application/x-www-form-urlencoded')) {
    const type = ctx.get('content-type') || 'none';
    throw new HttpProblem(415, 'UNSUPPORTED_MEDIA_TYPE', `request body must be application/x-www-form-urlencoded, not ${type}`);
  }
  const raw = await readRaw(ctx, limit);
  return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
}
