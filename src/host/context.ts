import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { contextOf, envelope, type Envelope, type MessageContext, type Principal } from '../bus/envelope.js';
import { outgoingEvent, type OutgoingEvent } from '../bus/outbox.js';
import { publishedTraced } from '../bus/traced.js';
import { assertValid } from '../contract/validate.js';
import type { Client, Contract } from '../contract/contract.js';
import type { BoundStores, CallContext, Stores, Tx } from '../kernel/module.js';
import { handlerContext, transactionTraced, type Context } from './traced-transaction.js';

/** What a call context needs from the module runtime that hosts it. */
export interface ContextHost {
  contract: Contract;
  db: Knex;
  bus: Bus;
  log: Logger;
  instanceId: string;
  /** The operations of other modules the module declares it calls (`calls` in `defineModule`), by module. */
  calls: ReadonlyMap<string, ReadonlySet<string>>;
  /** Writes events into the module's outbox in `trx`: they go out once it commits. */
  writeOutbox(trx: Knex.Transaction, events: OutgoingEvent[]): Promise<void>;
  /** Called after a commit that wrote events to the outbox. */
  onPublished(): void;
  /** The module's stores on `db` (its database or one transaction), bound once per connection. */
  storesOn(db: Knex | Knex.Transaction): BoundStores<Stores>;
}

/** The principal of a module acting on its own behalf: its name, with the role `system`. */
export const modulePrincipal = (module: string): Principal => ({ sub: module, role: 'system' });

/**
 * The context of one request or event handled by a module. Cheap to build: the logger child is lazy.
 *
 * Who a call made from a handler acts for (the one rule, for requests, events and start hooks alike):
 * - a request handler acts for its caller: its calls carry the caller's principal, unchanged, so an HTTP
 *   caller never gains a right by going through another module;
 * - an event handler and a start hook act for their module: their calls carry `modulePrincipal(module)`. An
 *   event is a fact a module committed in its own transaction (and, over MQTT, signed with the bus key), not
 *   a request from whoever caused it; a handler that must act for the original caller calls with a narrower
 *   principal of its own making.
 */
export class MessageCallContext implements CallContext<Contract> {
  private childLog: Logger | undefined;
  private causedBy: MessageContext | undefined;
  /** Transactions this context has open: its own stores are off limits meanwhile. */
  private open = 0;
  /** The span handling this message (with tracing on), taken when the handler starts. */
  protected readonly traceContext: Context | undefined = handlerContext();

  constructor(
    protected readonly host: ContextHost,
    readonly message: Envelope,
    /** Set for handlers acting on their module's own behalf (event handlers, start hooks). */
    readonly principal: Principal | undefined = message.principal,
  ) {
  }

  /** The context of the messages this handler sends: made on its first call or event, not for every request. */
  private get caused(): MessageContext {
    return (this.causedBy ??= { ...contextOf(this.message), principal: this.principal });
  }

  get log(): Logger {
    this.childLog ??= this.host.log.child({ correlationId: this.message.correlationid, messageId: this.message.id });
    return this.childLog;
  }

  /**
   * The stores on the module's database. Refused while the handler has a transaction open: a read there would
   * not see the transaction's writes (and on SQLite, whose one connection the transaction holds, would wait forever).
   */
  get stores(): BoundStores<Stores> {
    if (this.open) throw new Error(`module "${this.host.contract.name}": inside ctx.transaction, use tx.stores; ctx.stores runs outside the transaction`);
    return this.host.storesOn(this.host.db);
  }

  /**
   * A client of `contract`: of the module's own, or of another module whose operations it declares in `calls`.
   * @throws when the module did not declare that it calls the other module; an undeclared operation rejects.
   */
  client<D extends Contract>(contract: D): Client<D> {
    const client = this.host.bus.client(contract, this.caused);
    const caller = this.host.contract.name;
    if (contract.name === caller) return client;
    const declared = this.host.calls.get(contract.name);
    if (!declared) throw undeclaredCall(caller, contract.name);
    const methods = client as Record<string, unknown>;
    for (const operation of Object.keys(contract.operations)) {
      if (!declared.has(operation)) methods[operation] = () => Promise.reject(undeclaredCall(caller, contract.name, operation));
    }
    return client;
  }

  async transaction<T>(fn: (tx: Tx<Contract>) => Promise<T>): Promise<T> {
    const outgoing: OutgoingEvent[] = [];
    this.open++;
    try {
      const result = await transactionTraced(this.host.contract.name, this.host.db, this.traceContext, (traced) =>
        this.host.db.transaction(async (trx) => {
          const value = await traced.run(() => fn(this.tx(trx, outgoing, traced.context)));
          if (outgoing.length) await this.host.writeOutbox(trx, outgoing);
          return value;
        }),
      );
      if (outgoing.length) this.host.onPublished();
      return result;
    } finally {
      this.open--;
    }
  }

  publish(event: string, data: unknown): Promise<void> {
    return this.transaction((tx) => tx.publish(event, data));
  }

  /**
   * A transaction view whose `publish` validates events and collects them in `outgoing` for one insert, each
   * published in a span of `traceContext` (the transaction's span).
   */
  protected tx(trx: Knex.Transaction, outgoing: OutgoingEvent[], traceContext = this.traceContext): Tx<Contract> {
    const { contract, instanceId } = this.host;
    return {
      stores: this.host.storesOn(trx),
      publish: async (event: string, data: unknown) => {
        const schema = contract.events[event];
        if (!schema) throw new Error(`module "${contract.name}" has no event "${event}" in its contract`);
        assertValid(schema, data, `${contract.name}.${event} event`);
        const message = envelope(`${contract.name}@${instanceId}`, `${contract.name}.${event}`, data, this.caused);
        publishedTraced(message, traceContext);
        outgoing.push(outgoingEvent(message));
      },
    };
  }
}

function undeclaredCall(caller: string, callee: string, operation?: string): Error {
  const what = operation ? `${callee}.${operation}` : `module "${callee}"`;
  const fix = `uses(<the ${callee} contract>, ${operation ? `'${operation}'` : '...'})`;
  return new Error(`module "${caller}" calls ${what} without declaring it: add ${fix} to the calls in its defineModule`);
}

/**
 * The context of an event handler: `transaction` joins the inbox's transaction, which also marks the event
 * handled, and `stores` run on it too, so the handler's reads and writes and that mark commit or roll back together.
 */
export class EventCallContext extends MessageCallContext {
  constructor(
    host: ContextHost,
    message: Envelope,
    private readonly trx: Knex.Transaction,
    /** Events the handler publishes; the inbox writes them to the outbox in its transaction. */
    readonly outgoing: OutgoingEvent[],
  ) {
    super(host, message, modulePrincipal(host.contract.name));
  }

  override get stores(): BoundStores<Stores> {
    return this.host.storesOn(this.trx);
  }

  override async transaction<T>(fn: (tx: Tx<Contract>) => Promise<T>): Promise<T> {
    return fn(this.tx(this.trx, this.outgoing));
  }
}
