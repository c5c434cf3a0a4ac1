import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { contextOf, copyJson, envelope, type Envelope, type MessageContext, type Principal } from '../bus/envelope.js';
import { writeOutbox } from '../bus/outbox.js';
import { assertValid } from '../contract/validate.js';
import type { Client, Contract } from '../contract/contract.js';
import type { CallContext, EventContext, Tx } from '../kernel/module.js';

/** What a call context needs from the module runtime that hosts it. */
export interface ContextHost {
  contract: Contract;
  db: Knex;
  bus: Bus;
  log: Logger;
  instanceId: string;
  /** Called after a commit that wrote events to the outbox. */
  onPublished(): void;
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
  private readonly caused: MessageContext;

  constructor(
    protected readonly host: ContextHost,
    readonly message: Envelope,
    /** Set for handlers acting on their module's own behalf (event handlers, start hooks). */
    readonly principal: Principal | undefined = message.principal,
  ) {
    this.caused = { ...contextOf(message), principal };
  }

  get log(): Logger {
    this.childLog ??= this.host.log.child({ correlationId: this.message.correlationid, messageId: this.message.id });
    return this.childLog;
  }

  client<D extends Contract>(contract: D): Client<D> {
    return this.host.bus.client(contract, this.caused);
  }

  async transaction<T>(fn: (tx: Tx<Contract>) => Promise<T>): Promise<T> {
    const outgoing: Envelope[] = [];
    const result = await this.host.db.transaction(async (trx) => {
      const value = await fn(this.tx(trx, outgoing));
      if (outgoing.length) await writeOutbox(trx, outgoing);
      return value;
    });
    if (outgoing.length) this.host.onPublished();
    return result;
  }

  publish(event: string, data: unknown): Promise<void> {
    return this.transaction((tx) => tx.publish(event, data));
  }

  /** A transaction view whose `publish` validates events and collects them in `outgoing` for one insert. */
  protected tx(trx: Knex.Transaction, outgoing: Envelope[]): Tx<Contract> {
    const { contract, instanceId } = this.host;
    return {
      db: trx,
      publish: async (event: string, data: unknown) => {
        const schema = contract.events[event];
        if (!schema) throw new Error(`module "${contract.name}" has no event "${event}" in its contract`);
        assertValid(schema, data, `${contract.name}.${event} event`);
        outgoing.push(envelope(`${contract.name}@${instanceId}`, `${contract.name}.${event}`, copyJson(data), this.caused));
      },
    };
  }
}

/** The context of an event handler: its writes share the transaction that marks the event handled. */
export class EventCallContext extends MessageCallContext implements EventContext<Contract> {
  constructor(
    host: ContextHost,
    message: Envelope,
    readonly db: Knex.Transaction,
    /** Events the handler publishes; the inbox writes them to the outbox in its transaction. */
    readonly outgoing: Envelope[],
  ) {
    super(host, message, modulePrincipal(host.contract.name));
  }

  override async transaction<T>(fn: (tx: Tx<Contract>) => Promise<T>): Promise<T> {
    return fn(this.tx(this.db, this.outgoing));
  }
}
