import type { SchemaJson } from './snapshot.js';

export type { SchemaJson };

/**
 * Which way a schema's values flow: `input` is written by callers and read by the module (a new version must
 * accept everything the old one accepted); `output` is written by the module and read by callers or consumers
 * (the old version must accept everything the new one produces).
 */
export type Flow = 'input' | 'output';

/** One breaking difference between two versions of a schema: the field it is at (`''` for the whole value). */
export interface SchemaChange {
  field: string;
  change: string;
}

type Schema = SchemaJson;

/** How one comparison goes: `from` is the side whose values must fit in `to`. */
interface Walk {
  flow: Flow;
  changes: SchemaChange[];
}

const isObject = (value: unknown): value is Schema => value !== null && typeof value === 'object' && !Array.isArray(value);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * The breaking differences between the old and the new version of a schema, read in the direction of `flow`.
 * Inputs break on a new required field, a field removed where unknown fields are refused, a retyped field, an
 * enum narrowed, a constraint tightened; outputs break on a field removed or made optional, a retyped field,
 * an enum widened, a constraint loosened (readers validating against the old version would refuse the value).
 */
export function schemaChanges(old: Schema, next: Schema, flow: Flow): SchemaChange[] {
  const walk: Walk = { flow, changes: [] };
  if (flow === 'input') fits(walk, old, next, '');
  else fits(walk, next, old, '');
  return walk.changes;
}

/** Adds to `walk` why some value `from` allows is refused by `to`, at `path`. */
function fits(walk: Walk, from: Schema, to: Schema, path: string): void {
  const toBranches = branchesOf(to);
  if (toBranches.some(isAny)) return;
  const unmatched: Schema[] = [];
  let detail: SchemaChange[] | undefined;
  for (const branch of branchesOf(from)) {
    const candidates = toBranches.filter((candidate) => sameKind(branch, candidate));
    const tries = candidates.map((candidate) => {
      const inner: Walk = { flow: walk.flow, changes: [] };
      compareAlike(inner, branch, candidate, path);
      return inner.changes;
    });
    if (tries.some((changes) => changes.length === 0)) continue;
    if (tries.length === 1 && !('const' in branch)) detail = [...(detail ?? []), ...tries[0]];
    else unmatched.push(branch);
  }
  if (detail) walk.changes.push(...detail);
  if (!unmatched.length) return;
  const values = unmatched.filter((branch) => 'const' in branch).map((branch) => JSON.stringify(branch.const));
  if (values.length === unmatched.length) {
    const change = walk.flow === 'input' ? `no longer accepts ${values.join(', ')} (enum narrowed)` : `may now be ${values.join(', ')}, which the old contract refuses (enum widened)`;
    walk.changes.push({ field: path, change });
    return;
  }
  const [old, next] = walk.flow === 'input' ? [from, to] : [to, from];
  walk.changes.push({ field: path, change: `retyped from ${describe(old)} to ${describe(next)}` });
}

/** A schema as the plain alternatives it allows: `anyOf`/`oneOf` and `enum` spread out, type lists split. */
function branchesOf(schema: Schema): Schema[] {
  const union = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(union)) return union.filter(isObject).flatMap(branchesOf);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => ({ const: value }));
  if (Array.isArray(schema.type)) return schema.type.map((type) => ({ ...schema, type }));
  return [schema];
}

const isAny = (schema: Schema) => schema.type === undefined && !('const' in schema) && schema.not === undefined;

const typeOfValue = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;

/** True when every value of `from`'s type is of `to`'s type (an integer is a number), consts by their value. */
function sameKind(from: Schema, to: Schema): boolean {
  if ('const' in to) return 'const' in from && JSON.stringify(from.const) === JSON.stringify(to.const);
  if (isAny(from)) return false;
  const fromType = 'const' in from ? typeOfValue(from.const) : from.type;
  return fromType === to.type || (fromType === 'integer' && to.type === 'number');
}

/** Compares two branches of the same kind: object fields, array items, constraints. */
function compareAlike(walk: Walk, from: Schema, to: Schema, path: string): void {
  if ('const' in from) return;
  tightened(walk, from, to, path);
  if (from.type === 'array' && isObject(from.items) && isObject(to.items)) fits(walk, from.items, to.items, `${path}[]`);
  if (from.type === 'object') compareObjects(walk, from, to, path);
}

function compareObjects(walk: Walk, from: Schema, to: Schema, path: string): void {
  const fromProps = (isObject(from.properties) ? from.properties : {}) as Record<string, Schema>;
  const toProps = (isObject(to.properties) ? to.properties : {}) as Record<string, Schema>;
  const fromRequired = new Set((from.required ?? []) as string[]);
  const toRequired = new Set((to.required ?? []) as string[]);
  const input = walk.flow === 'input';
  const add = (field: string, change: string) => walk.changes.push({ field, change });
  for (const key of toRequired) {
    if (fromRequired.has(key)) continue;
    // input: `to` is the new version; output: `to` is the old one, whose readers expect the field.
    if (input) add(join(path, key), key in fromProps ? 'became required' : 'new required field');
    else add(join(path, key), key in fromProps ? 'became optional' : 'removed');
  }
  for (const key of Object.keys(fromProps)) {
    const field = join(path, key);
    if (key in toProps) fits(walk, fromProps[key], toProps[key], field);
    else if (!input && !toRequired.has(key) && to.additionalProperties === false) add(field, 'new field, which the old contract refuses (it refuses unknown fields)');
    else if (input && to.additionalProperties === false) add(field, 'removed (unknown fields are refused)');
  }
  if (!input) {
    for (const key of Object.keys(toProps)) if (!(key in fromProps) && !toRequired.has(key)) add(join(path, key), 'removed');
  }
  if (from.additionalProperties !== false && to.additionalProperties === false && input) add(path, 'refuses unknown fields now');
  const fromPatterns = (isObject(from.patternProperties) ? from.patternProperties : {}) as Record<string, Schema>;
  const toPatterns = (isObject(to.patternProperties) ? to.patternProperties : {}) as Record<string, Schema>;
  for (const key of Object.keys(fromPatterns)) if (key in toPatterns) fits(walk, fromPatterns[key], toPatterns[key], `${path}{}`);
}

/** Keywords that bound a value from below or above; `to` must not be stricter than `from`. */
const lowerBounds = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const upperBounds = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];
const exactKeywords = ['pattern', 'format', 'multipleOf'];

function tightened(walk: Walk, from: Schema, to: Schema, path: string): void {
  const stricter = (key: string): boolean => {
    const [a, b] = [from[key], to[key]];
    if (b === undefined || a === b) return false;
    if (a === undefined || exactKeywords.includes(key)) return true;
    return lowerBounds.includes(key) ? (b as number) > (a as number) : (b as number) < (a as number);
  };
  for (const key of [...lowerBounds, ...upperBounds, ...exactKeywords]) {
    if (!stricter(key)) continue;
    const [old, next] = walk.flow === 'input' ? [from[key], to[key]] : [to[key], from[key]];
    const change = walk.flow === 'input' ? 'tightened' : 'loosened, the old contract refuses the new values';
    walk.changes.push({ field: path, change: `${key} ${change}: ${JSON.stringify(old) ?? 'none'} → ${JSON.stringify(next) ?? 'none'}` });
  }
}

/** A short human form of a schema's type: `string`, `integer | null`, `"1m" | "5m"`, `any`. */
function describe(schema: Schema): string {
  const parts = branchesOf(schema).map((branch) => ('const' in branch ? JSON.stringify(branch.const) : isAny(branch) ? 'any' : String(branch.type)));
  return [...new Set(parts)].join(' | ');
}
