import { asFunction, asValue, type AwilixContainer } from 'awilix';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { Inbox, type InboxHandler } from '../bus/inbox.js';
import { OutboxRelay, type OutgoingEvent } from '../bus/outbox.js';
import type { Envelope } from '../bus/envelope.js';
import { assertValid } from '../contract/validate.js';
import type { Contract } from '../contract/contract.js';
import type { Metrics } from '../observability/metrics.js';
import { moduleMetrics } from '../observability/module-metrics.js';
import { Registry } from 'prom-client';
import { EventCallContext, MessageCallContext, modulePrincipal, type ContextHost } from './context.js';
import type { BoundStores, ModuleDefinition, Stores } from '../kernel/module.js';
import type { SealSecret } from '../kernel/secret-seal.js';
import { StoreBinder } from './stores.js';
import type { HashQueue } from '../kernel/slow-hash.js';

export interface RuntimeOptions {
  bus: Bus;
  db: Knex;
  /** The module's own scope of the root container. */
  scope: AwilixContainer;
  log: Logger;
  metrics?: Metrics;
  config: Record<string, unknown>;
  instanceId: string;
  relay: boolean;
  retry: { maxAttempts: number; baseDelayMs: number };
  /** How long an inbox keeps arrived event ids at least (config `bus.inbox.dedupeWindowMs`). */
  dedupeWindowMs: number;
  /** Seals device secrets under the host's key (see `SecretSeal`). */
  sealSecret: SealSecret;
  /** The host's queue for slow hashes, shared by its modules. */
  hashQueue: HashQueue;
  /** The `iss` and `aud` of access tokens (config `identity.issuer`, `identity.audience`). */
  tokenClaims: { issuer: string; audience: string };
}

/**
 * One hosted module: its container, its handlers served on the bus, its outbox relay and its inbox.
 */
export class ModuleRuntime implements ContextHost {
  readonly contract: Contract;
  readonly db: Knex;
  readonly bus: Bus;
  readonly log: Logger;
  readonly instanceId: string;
  readonly calls: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly relay: OutboxRelay;
  private readonly inbox: Inbox;
  private readonly stores: StoreBinder;

  constructor(
    readonly definition: ModuleDefinition,
    private readonly options: RuntimeOptions,
  ) {
    this.contract = definition.contract;
    ({ db: this.db, bus: this.bus, log: this.log, instanceId: this.instanceId } = options);
    this.stores = new StoreBinder(definition.stores ?? {}, this.db);
    this.calls = declaredCalls(definition);
    this.register();
    this.relay = new OutboxRelay({
      module: this.contract.name,
      db: this.db,
      transport: this.bus.transport,
      log: this.log,
      metrics: options.metrics,
      enabled: options.relay,
    });
    this.inbox = new Inbox({
      module: this.contract.name,
      db: this.db,
      handlers: this.eventHandlers(),
      onPublished: () => this.relay.nudge(),
      log: this.log,
      metrics: options.metrics,
      ...options.retry,
      dedupeWindowMs: options.dedupeWindowMs,
    });
  }

  get name(): string {
    return this.contract.name;
  }

  writeOutbox(trx: Knex.Transaction, events: OutgoingEvent[]): Promise<void> {
    return this.relay.write(trx, events);
  }

  onPublished(): void {
    this.relay.nudge();
  }

  storesOn(db: Knex | Knex.Transaction): BoundStores<Stores> {
    return this.stores.on(db);
  }

  /** Serves the module's operations and subscribes its inbox to the events it consumes. */
  connect(): void {
    const { scope } = this.options;
    for (const [operation, factory] of Object.entries(this.definition.handlers)) {
      const handler = scope.build(factory as (deps: unknown) => (input: unknown, ctx: unknown) => Promise<unknown>);
      this.bus.serve(this.contract, operation, (input, request) => handler(input, new MessageCallContext(this, request)));
    }
    for (const sub of this.definition.subscriptions ?? []) {
      this.bus.transport.subscribe(this.name, sub.contract.name, sub.event, this.inbox.intake);
    }
  }

  /** Starts the relay and inbox, then the module's own start hook. */
  async start(): Promise<void> {
    this.relay.start();
    this.inbox.start();
    if (this.definition.start) {
      const hook = this.options.scope.build(this.definition.start as (deps: unknown) => (ctx: unknown) => Promise<void>);
      const principal = modulePrincipal(this.name);
      const message = { id: `start-${this.name}`, source: this.instanceId, type: `${this.name}.start`, time: new Date().toISOString(), data: null, correlationid: `start-${this.name}`, principal };
      await hook(new MessageCallContext(this, message, principal));
    }
  }

  /** Stops handling events, flushes the outbox, and disposes the module's container. */
  async stop(): Promise<void> {
    await this.inbox.stop();
    await this.relay.stop();
    await this.options.scope.dispose();
  }

  /**
   * The kernel's deps, the module's stores on its database, and its registrations, each built once in the
   * module's scope (strict mode allows no singleton on a scope: one per module per host is the lifetime there is).
   */
  private register(): void {
    const { scope, log, config } = this.options;
    scope.register({
      stores: asValue(this.stores.on(this.db)),
      log: asValue(log),
      config: asValue(config),
      moduleName: asValue(this.contract.name),
      clock: asValue(() => new Date()),
      sealSecret: asValue(this.options.sealSecret),
      hashQueue: asValue(this.options.hashQueue),
      metrics: asValue(moduleMetrics(this.contract.name, this.options.metrics?.registry ?? new Registry())),
      tokenClaims: asValue(this.options.tokenClaims),
    });
    for (const [name, factory] of Object.entries(this.definition.register ?? {})) {
      scope.register(name, asFunction(factory).scoped().disposer(disposeOf));
    }
  }

  private eventHandlers(): Map<string, InboxHandler> {
    const handlers = new Map<string, InboxHandler>();
    for (const sub of this.definition.subscriptions ?? []) {
      const type = `${sub.contract.name}.${sub.event}`;
      const schema = sub.contract.events[sub.event];
      let handler: ReturnType<typeof sub.handler> | undefined;
      handlers.set(type, async (message, trx) => {
        handler ??= this.options.scope.build(sub.handler);
        assertValid(schema, message.data, `${type} event`);
        const outgoing: OutgoingEvent[] = [];
        await handler(message.data, new EventCallContext(this, message, trx, outgoing));
        if (outgoing.length) {
          await this.relay.write(trx, outgoing);
          return true;
        }
        return false;
      });
    }
    return handlers;
  }
}

/** A registration is disposed with its module when its value has a `dispose()` (e.g. a timer to stop). */
const disposeOf = (value: unknown) => (value as { dispose?: () => unknown } | undefined)?.dispose?.();

/** The operations a module declares it calls, by module (a module named twice in `calls` gets the union). */
function declaredCalls(definition: ModuleDefinition): Map<string, Set<string>> {
  const calls = new Map<string, Set<string>>();
  for (const { contract, operations } of definition.calls ?? []) {
    const declared = calls.get(contract.name) ?? new Set<string>();
    for (const operation of operations) declared.add(operation);
    calls.set(contract.name, declared);
  }
  return calls;
}
