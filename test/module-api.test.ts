import test, { type ExecutionContext } from 'ava';
import { asFunction, asValue } from 'awilix';
import { CleaveError } from '../src/errors.js';
import { Type, command, conflict, defineContract, defineModule, on, query, type EventHandler, type Knex, type OperationHandler } from '../src/index.js';
import { ledgerContract } from './fixtures/modules/ledger/contract.js';
import { startTestHost } from './support/host.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

/**
 * The module API's guarantees, through a module's contract: stores run on the handler's transaction, a handler
 * cannot read beside its own transaction, and a registration lives once per module per host.
 */
const tallyContract = defineContract({
  name: 'tally',
  version: '1.0.0',
  operations: {
    add: command(
      Type.Object({ id: Type.String(), amount: Type.Number(), failAfterWrite: Type.Optional(Type.Boolean()), peekOutside: Type.Optional(Type.Boolean()) }),
      Type.Object({}),
      { access: 'public' },
    ),
    amounts: query(Type.Object({}), Type.Object({ amounts: Type.Array(Type.Number()) }), { access: 'public' }),
    counterSeenByA: query(Type.Object({}), Type.Object({ instance: Type.Integer() }), { access: 'public' }),
    counterSeenByB: query(Type.Object({}), Type.Object({ instance: Type.Integer() }), { access: 'public' }),
  },
  events: {},
});

const tallyStores = {
  entries: (db: Knex) => ({
    add: (id: string, amount: number) => db('entries').insert({ id, amount }),
    amounts: async (): Promise<number[]> => (await db('entries').orderBy('amount').pluck('amount')).map(Number),
  }),
};

/** Checked by the build: a handler's stores are typed from the declaration, and one it does not declare is refused. */
export const readsAnUndeclaredStore: OperationHandler<typeof tallyContract, 'amounts', typeof tallyStores> = async (_input, ctx) => ({
  // @ts-expect-error tally declares no store "ledgerEntries"
  amounts: [...(await ctx.stores.entries.amounts()), ...(await ctx.stores.ledgerEntries.amounts())],
});

/** Checked by the build: a subscription's handler uses the stores of the module that declares it. */
const onRecordedWithTallyStores = (): EventHandler<typeof tallyContract, typeof ledgerContract, 'recorded', typeof tallyStores> => async (_data, ctx) =>
  void (await ctx.stores.entries.amounts());
export const subscribesWithAnotherModulesStores = () =>
  defineModule({
    contract: defineContract({ name: 'other', version: '1.0.0', operations: {}, events: {} }),
    stores: { notes: (db: Knex) => ({ count: () => db('notes').count() }) },
    handlers: {},
    // @ts-expect-error module "other" has no store "entries"
    subscriptions: [on(ledgerContract, 'recorded', onRecordedWithTallyStores)],
  });

let built = 0;
const makeCounter = () => ({ instance: ++built });

const tally = defineModule({
  contract: tallyContract,
  migrations: new URL('./fixtures/migrations/ledger/', import.meta.url),
  stores: tallyStores,
  register: { counter: makeCounter },
  handlers: {
    add: () => async ({ id, amount, failAfterWrite, peekOutside }, ctx) => {
      await ctx.transaction(async (tx) => {
        await tx.stores.entries.add(id, amount);
        if (peekOutside) await ctx.stores.entries.amounts();
        if (failAfterWrite) throw conflict('failed after writing, on purpose');
      });
      return {};
    },
    amounts: () => async (_input, ctx) => ({ amounts: await ctx.stores.entries.amounts() }),
    counterSeenByA: ({ counter }) => async () => counter,
    counterSeenByB: ({ counter }) => async () => counter,
  },
});

const stores = (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];

/** A host of the tally module on `store` (a PostgreSQL database of its own, or SQLite), stopped after the test. */
async function tallyOn(t: ExecutionContext, store: string) {
  const database = store === 'postgres' ? await createDatabase() : undefined;
  const host = await startTestHost({ modules: [tally], config: database ? { 'db.url': database.url } : {} });
  t.teardown(async () => {
    await host.stop();
    await database?.drop();
  });
  return host.host.bus.client(tallyContract);
}

for (const store of stores) {
  test(`[${store}] when a handler writes through tx.stores and then throws, then nothing it wrote is committed`, async (t) => {
    const client = await tallyOn(t, store);

    const error = await t.throwsAsync(client.add({ id: 'a', amount: 1, failAfterWrite: true }));
    await client.add({ id: 'b', amount: 2 });

    t.is((error as CleaveError).code, 'CONFLICT');
    t.deepEqual((await client.amounts({})).amounts, [2]);
  });

  test(`[${store}] when a handler reads ctx.stores inside its transaction, then the call fails and its writes roll back`, async (t) => {
    const client = await tallyOn(t, store);

    const error = await t.throwsAsync(client.add({ id: 'a', amount: 1, peekOutside: true }), undefined, 'it did not wait on the held connection');

    t.is((error as CleaveError).code, 'INTERNAL');
    t.deepEqual((await client.amounts({})).amounts, []);
  });
}

test('when two handlers of a module use a registered factory, then both get the one instance the host built for the module', async (t) => {
  const host = await startTestHost({ modules: [tally] });
  t.teardown(() => host.stop());
  const client = host.host.bus.client(tallyContract);

  const seenByA = await client.counterSeenByA({});
  const seenByB = await client.counterSeenByB({});

  t.deepEqual(seenByA, seenByB);
  t.deepEqual(await client.counterSeenByA({}), seenByA);
});

const withRegistration = (registration: unknown) => () =>
  defineModule({ contract: tallyContract, handlers: tally.handlers as never, register: { counter: registration } as never });

test('when a module registers an awilix singleton, then defineModule fails naming the module, the registration and the lifetime', (t) => {
  const error = t.throws(withRegistration(asFunction(makeCounter).singleton()));
  t.regex(error!.message, /module "tally" registers "counter" as an awilix SINGLETON resolver/);
  t.regex(error!.message, /plain factory .* once per module per host/);
});

test('when a module registers an awilix transient or a value, then defineModule fails the same way', (t) => {
  t.regex(t.throws(withRegistration(asFunction(makeCounter).transient()))!.message, /"counter" as an awilix TRANSIENT resolver/);
  t.regex(t.throws(withRegistration(asValue(1)))!.message, /"counter" as something else than a factory/);
});
