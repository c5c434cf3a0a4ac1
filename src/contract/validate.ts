import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { CleaveError, type FieldIssue } from '../errors.js';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checkerOf(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

/** The problems of a value against a schema, at most `limit` of them; empty when valid. */
export function issuesOf(schema: TSchema, value: unknown, limit = 10): FieldIssue[] {
  const check = checkerOf(schema);
  if (check.Check(value)) return [];
  const issues: FieldIssue[] = [];
  for (const error of check.Errors(value)) {
    issues.push({ path: error.path || '/', message: error.message });
    if (issues.length >= limit) break;
  }
  return issues;
}

/**
 * Throws INVALID_ARGUMENT when `value` does not match `schema`. The message names the first bad field,
 * e.g. `identity.createUser input: /email: Expected string`; `details.issues` lists them all.
 */
export function assertValid(schema: TSchema, value: unknown, what: string): void {
  if (checkerOf(schema).Check(value)) return;
  const issues = issuesOf(schema, value);
  const first = issues[0] ?? { path: '/', message: 'invalid value' };
  throw new CleaveError('INVALID_ARGUMENT', `${what}: ${first.path}: ${first.message}`, { issues });
}
