import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { contextOf, envelope, type Envelope, type MessageContext, type Principal } from '../bus/envelope.js';
import { writeOutbox } from '../bus/outbox.js';
import { assertValid } from '../contract/validate.js';
import type { Client, Contract } from '../contract/contract.js';
import type { CallContext, EventContext, Tx } from './module.js';

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

/** The context of one request or event handled by a module. Cheap to build: the logger child is lazy. */
export class MessageCallContext implements CallContext<Contract> {
  private childLog: Logger | undefined;
  private readonly outgoing: MessageContext;

  constructor(
    protected readonly host: ContextHost,
    readonly message: Envelope,
  ) {
    this.outgoing = contextOf(message);
  }

  get principal(): Principal | undefined {
    return this.message.principal;
  }

  get log(): Logger {
    this.childLog ??= this.host.log.child({ correlationId: this.message.correlationid, messageId: this.message.id });
    return this.childLog;
  }

  client<D extends Contract>(contract: D): Client<D> {
    return this.host.bus.client(contract, this.outgoing);
  }

  async transaction<T>(fn: (tx: Tx<Contract>) => Promise<T>): Promise<T> {
    let published = false;
    const result = await this.host.db.transaction(async (trx) =>
      fn(this.tx(trx, () => (published = true))),
    );
    if (published) this.host.onPublished();
    return result;
  }

  publish(event: string, data: unknown): Promise<void> {
    return this.transaction((tx) => tx.publish(event, data));
  }

  protected tx(trx: Knex.Transaction, onWrite: () => void): Tx<Contract> {
    const { contract, instanceId } = this.host;
    return {
      db: trx,
      publish: async (event: string, data: unknown) => {
        const schema = contract.events[event];
        if (!schema) throw new Error(`module "${contract.name}" has no event "${event}" in its contract`);
        assertValid(schema, data, `${contract.name}.${event} event`);
        await writeOutbox(trx, envelope(`${contract.name}@${instanceId}`, `${contract.name}.${event}`, data, this.outgoing));
        onWrite();
      },
    };
  }
}

/** The context of an event handler: its writes share the transaction that marks the event handled. */
export class EventCallContext extends MessageCallContext implements EventContext<Contract> {
  private published = false;

  constructor(
    host: ContextHost,
    message: Envelope,
    readonly db: Knex.Transaction,
  ) {
    super(host, message);
  }

  /** True when the handler wrote events (to nudge the relay after commit). */
  get wroteEvents(): boolean {
    return this.published;
  }

  override async transaction<T>(fn: (tx: Tx<Contract>) => Promise<T>): Promise<T> {
    return fn(this.tx(this.db, () => (this.published = true)));
  }
}
