import type { Contract } from './contract.js';

/** A JSON Schema as a snapshot keeps it: plain JSON, no TypeBox symbols. */
export type SchemaJson = { [key: string]: unknown };

/** What a snapshot records of one operation. */
export interface OperationSnapshot {
  kind: 'command' | 'query';
  access: string;
  input: SchemaJson;
  output: SchemaJson;
}

/** A contract as `contracts/<module>.json` records it: what callers and consumers of the module depend on. */
export interface ContractSnapshot {
  module: string;
  version: string;
  operations: Record<string, OperationSnapshot>;
  events: Record<string, SchemaJson>;
}

/** `value` with the keys of every object sorted, so the same schema always prints the same way. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = sorted(item);
  }
  return out;
}

/** A schema as plain JSON: string keys only (TypeBox's symbol keys are left out), keys sorted. */
function schemaJson(schema: object): SchemaJson {
  return sorted(JSON.parse(JSON.stringify(schema))) as SchemaJson;
}

/** The snapshot of a contract, operations and events in name order. */
export function snapshotOf(contract: Contract): ContractSnapshot {
  const operations: Record<string, OperationSnapshot> = {};
  for (const name of Object.keys(contract.operations).sort()) {
    const { kind, access, input, output } = contract.operations[name];
    operations[name] = { kind, access, input: schemaJson(input), output: schemaJson(output) };
  }
  const events: Record<string, SchemaJson> = {};
  for (const name of Object.keys(contract.events).sort()) events[name] = schemaJson(contract.events[name]);
  return { module: contract.name, version: contract.version, operations, events };
}

/** The text of a snapshot file: two-space JSON and a final newline, stable from one run to the next. */
export function snapshotText(contract: Contract): string {
  return `${JSON.stringify(snapshotOf(contract), null, 2)}\n`;
}

/**
 * Reads a snapshot file's text; throws an Error naming what is wrong when it is not one.
 * `file` names the file in the message.
 */
export function parseSnapshot(text: string, file: string): ContractSnapshot {
  let value: Partial<ContractSnapshot>;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not JSON: ${(err as Error).message}`);
  }
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(value) || typeof value.module !== 'string' || typeof value.version !== 'string' || !isObject(value.operations) || !isObject(value.events)) {
    throw new Error(`${file} is not a contract snapshot: it needs "module", "version", "operations" and "events"`);
  }
  return value as ContractSnapshot;
}
