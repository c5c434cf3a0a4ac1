import type { Static, TSchema } from '@sinclair/typebox';

/** User roles, each including the rights of those before it. */
export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

/**
 * Who may call an operation: a user role or better (`viewer` < `operator` < `admin`), `public` for anyone
 * (no principal needed, e.g. login), or `system` for the kernel and modules acting on their own behalf only
 * (ingestion, device authentication, key sets). `system` principals may also call every role's operations.
 */
export type Access = Role | 'public' | 'system';

/** Every value `Access` may take, least demanding first. */
export const accessLevels: readonly Access[] = ['public', ...roles, 'system'];

/** A command (changes state) or a query (reads), with the schemas of its input and output. */
export interface Operation<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  readonly kind: 'command' | 'query';
  readonly input: I;
  readonly output: O;
  /** Who may call it; the serving side refuses everyone else before the handler runs. */
  readonly access: Access;
  readonly summary?: string;
}

/** What an operation declares besides its schemas. */
export interface OperationSpec {
  access: Access;
  summary?: string;
}

/** A module's whole public surface: its name, version, operations and events. */
export interface Contract<
  N extends string = string,
  O extends Record<string, Operation> = Record<string, Operation>,
  E extends Record<string, TSchema> = Record<string, TSchema>,
> {
  readonly name: N;
  /**
   * Semantic version `MAJOR.MINOR.PATCH`: a breaking change (see `cleave contracts check`) raises the major.
   * Callers carry it with every request; a host whose major differs refuses with VERSION_MISMATCH.
   */
  readonly version: string;
  readonly operations: O;
  readonly events: E;
}

/** Options of one call through the bus. */
export interface CallOptions {
  /** Milliseconds before the call fails with DEADLINE_EXCEEDED (default from `bus.requestTimeoutMs`). */
  timeoutMs?: number;
}

/** Input type of an operation of a contract. */
export type InputOf<C extends Contract, K extends keyof C['operations']> = Static<C['operations'][K]['input']>;
/** Output type of an operation of a contract. */
export type OutputOf<C extends Contract, K extends keyof C['operations']> = Static<C['operations'][K]['output']>;
/** Payload type of an event of a contract. */
export type EventOf<C extends Contract, K extends keyof C['events']> = Static<C['events'][K]>;

/** A typed client of a contract: one async method per operation, every call goes through the bus. */
export type Client<C extends Contract> = {
  [K in keyof C['operations']]: (input: InputOf<C, K>, options?: CallOptions) => Promise<OutputOf<C, K>>;
};

const namePattern = /^[a-z][A-Za-z0-9]*$/;
const moduleNamePattern = /^[a-z][a-z0-9-]*$/;
const versionPattern = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** The major number of a contract version (`2` for `2.1.0`). */
export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

/** Declares a command: an operation that changes state, e.g. `command(In, Out, { access: 'operator', summary })`. */
export function command<I extends TSchema, O extends TSchema>(input: I, output: O, spec: OperationSpec) {
  return { kind: 'command' as const, input, output, access: spec.access, summary: spec.summary } satisfies Operation<I, O>;
}

/** Declares a query: an operation that only reads, e.g. `query(In, Out, { access: 'viewer', summary })`. */
export function query<I extends TSchema, O extends TSchema>(input: I, output: O, spec: OperationSpec) {
  return { kind: 'query' as const, input, output, access: spec.access, summary: spec.summary } satisfies Operation<I, O>;
}

/** True when `role` is a user role that ranks at least `least` (viewer < operator < admin). */
export function hasRole(role: string, least: Role): boolean {
  const rank = roles.indexOf(role as Role);
  return rank >= 0 && rank >= roles.indexOf(least);
}

/** True when `level` may open what `required` guards: `public` < `viewer` < `operator` < `admin` < `system`. */
export function grantsAtLeast(level: Access, required: Access): boolean {
  return accessLevels.indexOf(level) >= accessLevels.indexOf(required);
}

/**
 * Declares a module's contract. Names and version are checked here so a typo fails at import time:
 * module names are kebab-case, operation and event names camelCase, the version `MAJOR.MINOR.PATCH`.
 */
export function defineContract<
  const N extends string,
  const O extends Record<string, Operation>,
  const E extends Record<string, TSchema>,
>(spec: { name: N; version: string; operations: O; events: E }): Contract<N, O, E> {
  if (!moduleNamePattern.test(spec.name)) throw new Error(`contract name "${spec.name}" must match ${moduleNamePattern}`);
  if (typeof spec.version !== 'string' || !versionPattern.test(spec.version)) {
    throw new Error(`contract "${spec.name}" needs a version MAJOR.MINOR.PATCH such as "1.0.0", not ${JSON.stringify(spec.version)}`);
  }
  for (const key of [...Object.keys(spec.operations), ...Object.keys(spec.events)]) {
    if (!namePattern.test(key)) throw new Error(`"${spec.name}.${key}" must be camelCase (${namePattern})`);
  }
  for (const [key, operation] of Object.entries(spec.operations)) {
    if (!accessLevels.includes(operation.access)) {
      throw new Error(`"${spec.name}.${key}" must state who may call it: access is one of ${accessLevels.join(', ')}`);
    }
  }
  return Object.freeze({ name: spec.name, version: spec.version, operations: spec.operations, events: spec.events });
}
