import type { Resolver } from 'awilix';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { roles, type Access, type Client, type Contract, type EventOf, type InputOf, type OutputOf, type Role } from '../contract/contract.js';
import type { Envelope, Principal } from '../bus/envelope.js';
import type { HashQueue } from './slow-hash.js';
import type { DeviceSecretIssued, portSchemas, PortName } from './device-ports.js';
import type { SealSecret } from './secret-seal.js';
import type { Static } from '@sinclair/typebox';
import type { ConfigOf, Settings } from './settings.js';

export { roles, type Role };

/** What the kernel registers in every module's container; `Config` is the module's slice (`ConfigOf<...>`). */
export interface KernelDeps<Config = Record<string, unknown>> {
  /** The module's own database (knex): `<module>.db.url`, else its SQLite file or Postgres schema of `db.*`. */
  db: Knex;
  log: Logger;
  /** The module's slice of the configuration: the values of the keys it declares in `defineModule({ config })`. */
  config: Config;
  /** The `iss` and `aud` every host requires of access tokens (config `identity.issuer`, `identity.audience`). */
  tokenClaims: { issuer: string; audience: string };
  /** The module's name. */
  moduleName: string;
  /** A clock, replaceable in tests. */
  clock: () => Date;
  /**
   * Seals a device's secret for the event named by the module's `ports.deviceCredentials.issued`: only the
   * kernel's credential subscriber opens it (the module never holds the key).
   */
  sealSecret: SealSecret;
  /** The host's queue for slow hashes (config `hashing.*`): pass it to `slowHash`. */
  hashQueue: HashQueue;
}

/** Writes done in one transaction of the module's store; `publish` puts an event in the outbox of that transaction. */
export interface Tx<C extends Contract> {
  db: Knex.Transaction;
  publish<E extends keyof C['events'] & string>(event: E, data: EventOf<C, E>): Promise<void>;
}

/** The context of one message being handled. */
export interface CallContext<C extends Contract> {
  /** The request or event being handled. */
  message: Envelope;
  principal?: Principal;
  log: Logger;
  /** A client of another module (or this one), carrying this message's correlation and principal. */
  client<D extends Contract>(contract: D): Client<D>;
  /** Runs `fn` in one transaction; events it publishes are dispatched only after commit. */
  transaction<T>(fn: (tx: Tx<C>) => Promise<T>): Promise<T>;
  /** Publishes an event on its own (a transaction holding only the outbox row). */
  publish<E extends keyof C['events'] & string>(event: E, data: EventOf<C, E>): Promise<void>;
}

/** The context of an event handler: `db` is the transaction that also marks the event handled. */
export interface EventContext<C extends Contract> extends CallContext<C> {
  db: Knex.Transaction;
}

/** Deps are resolved from the module's container (awilix PROXY injection): destructure what you need. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Factory<T, D = any> = (deps: D) => T;

/** The module's registrations, by name, as the values they resolve to. */
export type RegisteredDeps<R> = { [K in keyof R]: R[K] extends Resolver<infer T> ? T : never };

/** What a module's handlers may destructure: the kernel's deps with the module's typed slice, and its registrations. */
export type ModuleDeps<S extends Settings, R> = KernelDeps<ConfigOf<S>> & RegisteredDeps<R>;

export type OperationHandler<C extends Contract, K extends keyof C['operations']> = (
  input: InputOf<C, K>,
  ctx: CallContext<C>,
) => Promise<OutputOf<C, K>>;

export type EventHandler<C extends Contract, P extends Contract, E extends keyof P['events']> = (
  data: EventOf<P, E>,
  ctx: EventContext<C>,
) => Promise<void>;

/** A subscription of a module to another module's event, built with `on()`. */
export interface Subscription {
  contract: Contract;
  event: string;
  handler: Factory<(data: unknown, ctx: EventContext<Contract>) => Promise<void>>;
}

/** An HTTP request as a route's input mapper sees it. */
export interface RouteRequest {
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
  principal?: Principal;
  /** The caller's network address: the socket's, or the client's behind a proxy trusted by `http.trustProxy`. */
  address: string;
}

/**
 * An HTTP route of a module, mounted under `/api/<module>`: it maps the request to an operation's input,
 * calls the operation through the bus and answers with its output.
 */
export interface Route<C extends Contract = Contract> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** @koa/router path, e.g. `/:id/secret`. */
  path: string;
  operation: keyof C['operations'] & string;
  /**
   * Least role allowed; `public` needs no token. Default `viewer`. It may ask more than the operation's own
   * `access`, never less: the host refuses to mount such a route.
   */
  access?: Role | 'public';
  /** Status on success; default 200. 204 sends no body. */
  status?: number;
  /** Builds the operation's input; default: query, then path params, then the JSON body, merged. */
  input?: (req: RouteRequest) => unknown;
  summary?: string;
}

/** Everything the kernel needs to host a module. */
export interface ModuleDefinition<
  C extends Contract = Contract,
  S extends Settings = Settings,
  R extends Record<string, Resolver<unknown>> = Record<string, Resolver<unknown>>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  D = any,
> {
  contract: C;
  /**
   * The module's configuration slice, built with `setting.*`: keys `<module>.<key>`, env `CLEAVE_<MODULE>_<KEY>`,
   * validated at start-up like the kernel's; handlers receive the values as `config`, typed `ConfigOf<S>`.
   */
  config?: S;
  /** Handlers of every operation of the contract, as factories taking the module's deps. */
  handlers: { [K in keyof C['operations']]: Factory<OperationHandler<C, K>, D> };
  /** The module's own registrations (awilix resolvers), next to the kernel's `KernelDeps`. */
  register?: R;
  subscriptions?: Subscription[];
  routes?: Route<C>[];
  /** Runs once the module's store is migrated and the bus is up (e.g. seeding). */
  start?: Factory<(ctx: CallContext<C>) => Promise<void>, D>;
  /** Folder of the module's migrations; default `migrations/<name>/` of the build. */
  migrations?: URL;
  /**
   * Device topic kinds this module takes, each an MQTT filter under `v1/devices/<id>/` (`+` matches one level,
   * no `#`), handled by an operation with the `deviceMessages` port's schemas and access `system`, e.g.
   * `{ telemetry: 'ingestTelemetry', 'events/+': 'ingestTelemetry' }`. The device listener hands each message
   * to that operation with the kind it matched and the levels its `+` matched, and acknowledges it only after
   * the operation replied. No two modules take the same kind, and kinds never overlap.
   */
  deviceTopics?: Record<string, ServingPort<C, 'deviceMessages'>>;
  /**
   * The kernel ports this module serves, each an operation with the port's schemas (see `device-ports.ts`) and
   * access `system`. The host checks every declaration at start-up and refuses to start on a mismatch.
   */
  ports?: Ports<C>;
}

/** The operations of `C` whose input and output are exactly those of the port `P`. */
export type ServingPort<C extends Contract, P extends PortName> = {
  [K in keyof C['operations'] & string]: [InputOf<C, K>] extends [Static<(typeof portSchemas)[P]['input']>]
    ? [Static<(typeof portSchemas)[P]['input']>] extends [InputOf<C, K>]
      ? [OutputOf<C, K>] extends [Static<(typeof portSchemas)[P]['output']>]
        ? [Static<(typeof portSchemas)[P]['output']>] extends [OutputOf<C, K>]
          ? K
          : never
        : never
      : never
    : never;
}[keyof C['operations'] & string];

/** The events of `C` whose data is exactly `DeviceSecretIssued`. */
export type IssuingEvent<C extends Contract> = {
  [E in keyof C['events'] & string]: [EventOf<C, E>] extends [Static<typeof DeviceSecretIssued>]
    ? [Static<typeof DeviceSecretIssued>] extends [EventOf<C, E>]
      ? E
      : never
    : never;
}[keyof C['events'] & string];

/** The kernel ports a module serves, each an operation of its contract with the port's schemas (see `device-ports.ts`). */
export interface Ports<C extends Contract> {
  /** Answers the token verification keys: every host verifies tokens with them; a host routing this module publishes them. */
  jwks?: ServingPort<C, 'jwks'>;
  /** Checks a device's credentials at MQTT CONNECT. */
  deviceAuth?: ServingPort<C, 'deviceAuth'>;
  /** Records that a device came online, went offline or was seen. */
  devicePresence?: ServingPort<C, 'devicePresence'>;
  /** Records refused device messages, whoever refused them. */
  deviceRejections?: ServingPort<C, 'deviceRejections'>;
  /**
   * The events that set a device's credentials in the device broker, applied by the kernel's credential
   * subscriber in every process running the device listener. `issued` (data exactly `DeviceSecretIssued`:
   * the device `id` and its secret sealed with `sealSecret`) gives the device this secret and no other: the
   * embedded broker closes a live connection that logged in with another, an external broker sets it in its
   * dynamic security (which closes such connections too). `revoked`
   * (each with the device `id`) removes the device: its connection is closed and it cannot log in again.
   */
  deviceCredentials?: {
    issued: IssuingEvent<C>;
    revoked: Array<keyof C['events'] & string>;
  };
  /**
   * Messages this module sends to devices on the topic kind `kind` (e.g. `commands/+`), which devices may then
   * subscribe to. The listener fetches a device's `pending` messages when it subscribes there and whenever the
   * module publishes `ready` (an event whose data holds the `deviceId`), sends each at QoS 1, and reports the
   * device's acknowledgement with `delivered`.
   */
  deviceOutbox?: {
    kind: string;
    pending: ServingPort<C, 'pending'>;
    delivered: ServingPort<C, 'delivered'>;
    ready: keyof C['events'] & string;
  };
}

/**
 * Declares a module: the kernel imports a module only through the value its `index.ts` exports.
 * Handlers are typed against the module's own contract here, and their deps against the kernel's, the module's
 * registrations and its configuration slice (`config`); the result is the kernel's untyped view.
 */
export function defineModule<
  C extends Contract,
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  S extends Settings = {},
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  R extends Record<string, Resolver<unknown>> = {},
>(definition: ModuleDefinition<C, S, R, ModuleDeps<S, R>>): ModuleDefinition {
  for (const name of Object.keys(definition.contract.operations)) {
    if (typeof (definition.handlers as Record<string, unknown>)[name] !== 'function') {
      throw new Error(`module "${definition.contract.name}" has no handler for operation "${name}"`);
    }
  }
  return definition as unknown as ModuleDefinition;
}

/** Subscribes to `event` of another module's contract. */
export function on<P extends Contract, E extends keyof P['events'] & string, C extends Contract = Contract>(
  contract: P,
  event: E,
  handler: Factory<EventHandler<C, P, E>>,
): Subscription {
  if (!(event in contract.events)) throw new Error(`module "${contract.name}" has no event "${event}"`);
  return { contract, event, handler: handler as Subscription['handler'] };
}

/** The kernel's untyped view of a module's `ports`: operation and event names as plain strings. */
export interface DeclaredPorts {
  jwks?: string;
  deviceAuth?: string;
  devicePresence?: string;
  deviceRejections?: string;
  deviceCredentials?: { issued: string; revoked: string[] };
  deviceOutbox?: { kind: string; pending: string; delivered: string; ready: string };
}

/** The ports a module declares, as the host reads them (see `DeclaredPorts`). */
export const declaredPorts = (definition: ModuleDefinition): DeclaredPorts => (definition.ports ?? {}) as unknown as DeclaredPorts;

/** The device topic kinds a module takes, each with the name of its operation. */
export const declaredTopics = (definition: ModuleDefinition): Record<string, string> => (definition.deviceTopics ?? {}) as Record<string, string>;
