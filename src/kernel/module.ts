import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { roles, type Access, type Client, type Contract, type EventOf, type InputOf, type OutputOf, type Role } from '../contract/contract.js';
import type { Envelope, Principal } from '../bus/envelope.js';
import type { HashQueue } from './slow-hash.js';
import type { ModuleMetrics } from './module-metrics.js';
import type { DeviceSecretIssued, portSchemas, PortName } from './device-ports.js';
import type { SealSecret } from './secret-seal.js';
import type { Static, TSchema } from '@sinclair/typebox';
import type { ConfigOf, Settings } from './settings.js';
import { checkDashboard, type DashboardDeclaration } from './panels.js';

export { roles, type Role };

/** What the kernel registers in every module's container; `Config` is the module's slice (`ConfigOf<...>`). */
export interface KernelDeps<Config = Record<string, unknown>> {
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
  /** The module's own metrics, served at the host's `/metrics` as `cleave_<module>_<name>_total`. */
  metrics: ModuleMetrics;
}

/**
 * A store: a plain function of the connection it runs on, returning the module's queries on its own tables. The
 * kernel calls it with the module's database or with the current transaction, never the module: a store keeps no
 * connection of its own, so its queries run wherever the handler stands.
 */
export type StoreFactory<T = unknown> = (db: Knex | Knex.Transaction) => T;

/** A module's stores, by name, as declared in `defineModule({ stores })`. */
export type Stores = Record<string, StoreFactory>;

/** The stores of a declaration, each bound to one connection: `tx.stores.readings.insertNew(rows)`. */
export type BoundStores<S extends Stores> = { readonly [K in keyof S]: ReturnType<S[K]> };

/**
 * One transaction of the module's database: its stores run on it, `publish` puts an event in its outbox. It
 * commits when the function given to `ctx.transaction` returns, and rolls back, events included, when it throws.
 */
export interface Tx<C extends Contract, S extends Stores = Stores> {
  /** The module's stores on this transaction, bound once per transaction. */
  stores: BoundStores<S>;
  publish<E extends keyof C['events'] & string>(event: E, data: EventOf<C, E>): Promise<void>;
}

/**
 * The context of one message being handled. The one rule of transactions: a handler writes inside
 * `ctx.transaction(async (tx) => ...)`, through `tx.stores`, and publishes there with `tx.publish`.
 */
export interface CallContext<C extends Contract, S extends Stores = Stores> {
  /** The request or event being handled. */
  message: Envelope;
  principal?: Principal;
  log: Logger;
  /**
   * The module's stores outside any transaction of the handler's own: on the module's database for an operation
   * or a start hook (each statement commits alone: use them to read), on the inbox's transaction for an event handler.
   */
  stores: BoundStores<S>;
  /** A client of another module (or this one), carrying this message's correlation and principal. */
  client<D extends Contract>(contract: D): Client<D>;
  /**
   * Runs `fn` in one transaction; events it publishes are dispatched only after commit. An event handler joins
   * the inbox's transaction, the one that also marks the event handled: its writes and that mark commit together.
   */
  transaction<T>(fn: (tx: Tx<C, S>) => Promise<T>): Promise<T>;
  /** Publishes an event on its own (a transaction holding only the outbox row; an event handler's joins the inbox's). */
  publish<E extends keyof C['events'] & string>(event: E, data: EventOf<C, E>): Promise<void>;
}

/** Deps are resolved from the module's container (awilix PROXY injection): destructure what you need. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Factory<T, D = any> = (deps: D) => T;

/**
 * A module's own services, by name (e.g. a token issuer), each a plain factory of the module's deps. The host
 * builds each once per module per host, on first use, and disposes of it with the module (calling its `dispose()`,
 * if it has one, when the host stops): that is the only lifetime a registration has.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Registrations = Record<string, Factory<unknown>>;

/** The module's registrations, by name, as the values they resolve to. */
export type RegisteredDeps<R> = { [K in keyof R]: R[K] extends Factory<infer T> ? T : never };

/**
 * What a module's handlers may destructure: the kernel's deps with the module's typed slice, and its registrations.
 * Its services (`register`) get its `stores` on the module's database too; handlers reach stores through their
 * context only (`ctx.stores`, `tx.stores`), where the kernel knows which transaction they stand in.
 */
export type ModuleDeps<S extends Settings, R> = KernelDeps<ConfigOf<S>> & RegisteredDeps<R>;

export type OperationHandler<C extends Contract, K extends keyof C['operations'], S extends Stores = Stores> = (
  input: InputOf<C, K>,
  ctx: CallContext<C, S>,
) => Promise<OutputOf<C, K>>;

export type EventHandler<C extends Contract, P extends Contract, E extends keyof P['events'], S extends Stores = Stores> = (
  data: EventOf<P, E>,
  ctx: CallContext<C, S>,
) => Promise<void>;

/** A subscription of a module to another module's event, built with `on()`; `S` are the stores its handler uses. */
export interface Subscription<S extends Stores = Stores> {
  contract: Contract;
  event: string;
  handler: Factory<(data: unknown, ctx: CallContext<Contract, S>) => Promise<void>>;
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
  R extends Registrations = Registrations,
  St extends Stores = Stores,
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
  handlers: { [K in keyof C['operations']]: Factory<OperationHandler<C, K, St>, D> };
  /**
   * The module's stores, each a plain `(db) => queries` function: handlers reach them bound to their transaction
   * as `tx.stores.<name>`, and outside one as `ctx.stores.<name>`.
   */
  stores?: St;
  /**
   * The module's own services, each a plain factory of its deps, built once per module per host. `defineModule`
   * refuses an awilix resolver: its lifetime would not be the one the host gives.
   */
  register?: R;
  /** The events this module handles, built with `on()`; their handlers use the stores declared here. */
  subscriptions?: Subscription<NoInfer<St>>[];
  /**
   * The operations of other modules this module calls, built with `uses()`: `ctx.client` refuses any other
   * module's operation, and `cleave graph` draws these calls. A module calls its own contract freely.
   */
  calls?: Uses[];
  routes?: Route<C>[];
  /** Runs once the module's database is migrated and the bus is up (e.g. seeding). */
  start?: Factory<(ctx: CallContext<C, St>) => Promise<void>, D>;
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
   * The JSON Schema of the payload on each device topic kind this module owns (those of `deviceTopics` and
   * `ports.deviceOutbox.kind`), shown in the AsyncAPI document of the device API. It documents the protocol; the
   * module's own reader still judges every payload (and may refuse one the schema would let through).
   */
  devicePayloads?: Record<string, TSchema>;
  /**
   * The kernel ports this module serves, each an operation with the port's schemas (see `device-ports.ts`) and
   * access `system`. The host checks every declaration at start-up and refuses to start on a mismatch.
   */
  ports?: Ports<C>;
  /**
   * The module's part of the dashboard: panels it renders with its own queries, and (one module of a build) the
   * operation the dashboard's sign-in form calls. Every host with HTTP renders the panels of the modules it routes.
   */
  dashboard?: DashboardDeclaration<C>;
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
 * Handlers are typed against the module's own contract here, their contexts against its `stores`, and their
 * deps against the kernel's, the module's registrations and its configuration slice (`config`); the result is the
 * kernel's untyped view. Throws when a handler is missing, a store is not a function, a registration is not a
 * plain factory (an awilix resolver with its own lifetime, e.g. `asFunction(make).singleton()`), `calls` names the
 * module's own contract, `devicePayloads` describes a device topic kind the module does not own, or the dashboard
 * declaration names an unknown operation or repeats a panel id.
 */
export function defineModule<
  C extends Contract,
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  S extends Settings = {},
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  R extends Registrations = {},
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  St extends Stores = {},
>(definition: ModuleDefinition<C, S, R, St, ModuleDeps<S, R>>): ModuleDefinition {
  const module = definition.contract.name;
  for (const name of Object.keys(definition.contract.operations)) {
    if (typeof (definition.handlers as Record<string, unknown>)[name] !== 'function') {
      throw new Error(`module "${module}" has no handler for operation "${name}"`);
    }
  }
  for (const [name, store] of Object.entries(definition.stores ?? {})) {
    if (typeof store !== 'function') throw new Error(`module "${module}" declares store "${name}" as something else than a (db) => queries function`);
  }
  const kinds = [...Object.keys(definition.deviceTopics ?? {}), ...(definition.ports?.deviceOutbox ? [definition.ports.deviceOutbox.kind] : [])];
  for (const kind of Object.keys(definition.devicePayloads ?? {})) {
    if (!kinds.includes(kind)) throw new Error(`module "${module}" describes the payload of device topic kind "${kind}", which it does not own (its kinds: ${kinds.join(', ') || 'none'})`);
  }
  for (const { contract } of definition.calls ?? []) {
    if (contract.name === module) throw new Error(`module "${module}" lists its own contract in calls: a module calls its own contract freely`);
  }
  for (const [name, factory] of Object.entries(definition.register ?? {})) {
    if (typeof factory !== 'function') {
      const lifetime = (factory as { lifetime?: unknown } | null)?.lifetime;
      throw new Error(
        `module "${module}" registers "${name}" as ${lifetime ? `an awilix ${String(lifetime)} resolver` : 'something else than a factory'}: ` +
          "a registration is a plain factory of the module's deps, built once per module per host; pass the function itself",
      );
    }
  }
  checkDashboard(definition.contract, definition.dashboard as DashboardDeclaration | undefined);
  return definition as unknown as ModuleDefinition;
}

/** Subscribes to `event` of another module's contract; the handler's context is typed with its module's `S` stores. */
export function on<P extends Contract, E extends keyof P['events'] & string, C extends Contract = Contract, S extends Stores = Stores>(
  contract: P,
  event: E,
  handler: Factory<EventHandler<C, P, E, S>>,
): Subscription<S> {
  if (!(event in contract.events)) throw new Error(`module "${contract.name}" has no event "${event}"`);
  return { contract, event, handler: handler as Subscription<S>['handler'] };
}

/** Operations of another module's contract that a module calls, built with `uses()`. */
export interface Uses {
  contract: Contract;
  operations: string[];
}

/** Declares that a module calls these operations of another module's contract: `uses(devicesContract, 'getDevice')`. */
export function uses<P extends Contract>(contract: P, ...operations: Array<keyof P['operations'] & string>): Uses {
  if (!operations.length) throw new Error(`uses(${contract.name}): name the operations this module calls`);
  for (const operation of operations) {
    if (!(operation in contract.operations)) throw new Error(`module "${contract.name}" has no operation "${operation}"`);
  }
  return { contract, operations };
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
