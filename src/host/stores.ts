import type { Knex } from 'knex';
import type { BoundStores, Stores } from '../kernel/module.js';

/**
 * A module's stores bound to its connections: once for the module's database, once per transaction (however many
 * handlers and events share it, as in an inbox batch), and each store's factory called only when the store is first
 * used on that connection. The hot path pays one map lookup per transaction and one property read per store.
 */
export class StoreBinder {
  private readonly onTransaction = new WeakMap<Knex.Transaction, BoundStores<Stores>>();
  private readonly Bound: new (db: Knex | Knex.Transaction) => BoundStores<Stores>;
  private onModule: BoundStores<Stores> | undefined;

  constructor(
    factories: Stores,
    private readonly db: Knex,
  ) {
    this.Bound = boundClass(factories);
  }

  /** The stores on `db`: the module's database or one of its transactions. */
  on(db: Knex | Knex.Transaction): BoundStores<Stores> {
    if (db === this.db) return (this.onModule ??= new this.Bound(db));
    const trx = db as Knex.Transaction;
    let bound = this.onTransaction.get(trx);
    if (!bound) this.onTransaction.set(trx, (bound = new this.Bound(trx)));
    return bound;
  }
}

const made = Symbol('made');
const connection = Symbol('connection');

/**
 * A class with one getter per store, made once per module: the first read on an instance calls the factory. Its
 * own fields are symbols, so no store name can shadow them.
 */
function boundClass(factories: Stores): new (db: Knex | Knex.Transaction) => BoundStores<Stores> {
  class Bound {
    readonly [made] = new Map<string, unknown>();
    readonly [connection]: Knex | Knex.Transaction;
    constructor(db: Knex | Knex.Transaction) {
      this[connection] = db;
    }
  }
  for (const [name, factory] of Object.entries(factories)) {
    Object.defineProperty(Bound.prototype, name, {
      enumerable: true,
      get(this: Bound) {
        let store = this[made].get(name);
        if (store === undefined) this[made].set(name, (store = factory(this[connection])));
        return store;
      },
    });
  }
  return Bound as unknown as new (db: Knex | Knex.Transaction) => BoundStores<Stores>;
}
