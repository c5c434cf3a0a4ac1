import { randomBytes } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import type { Knex } from 'knex';
import { CleaveError } from '../src/errors.js';
import { listDeadLetters, replayDeadLetters } from '../src/bus/dead-letters.js';
import { envelope } from '../src/bus/envelope.js';
import ledger, { lastEchoSeen } from './fixtures/modules/ledger/index.js';
import { ledgerContract } from './fixtures/modules/ledger/contract.js';
import audit, { makeAudit } from './fixtures/modules/audit/index.js';
import { auditContract } from './fixtures/modules/audit/contract.js';
import { eventually, startTestHost, type TestHost } from './support/host.js';
import { mosquittoForFile } from './support/broker-per-file.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

const fixtures = [ledger, audit];

const stores = (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
const broker = mosquittoForFile('bus rules over MQTT');
/** `mqtt, event batches` runs with `bus.mqtt.eventBatches` on (on SQLite alone: batching is the transport's). */
const transports = broker.available ? ['inproc', 'mqtt', 'mqtt, event batches'] : ['inproc'];

/**
 * Registers one scenario per bus transport and store: the in-process bus and the MQTT bus (events through a
 * Mosquitto broker, each test in its own namespace); SQLite files, and PostgreSQL with a schema per module.
 */
function scenario(title: string, run: (t: ExecutionContext, host: TestHost) => Promise<void>, config: Record<string, unknown> = {}, modules = fixtures) {
  for (const transport of transports) {
    for (const store of transport === 'mqtt, event batches' ? ['sqlite'] : stores) {
      test(`[${transport}, ${store}] ${title}`, async (t) => {
        const database = store === 'postgres' ? await createDatabase() : undefined;
        const mqtt = { 'bus.transport': 'mqtt', 'bus.mqtt.url': broker.url, 'bus.namespace': `t${randomBytes(4).toString('hex')}` };
        const bus = transport === 'inproc' ? {} : transport === 'mqtt' ? mqtt : { ...mqtt, 'bus.mqtt.eventBatches': true };
        const host = await startTestHost({ modules, config: { ...config, ...bus, ...(database ? { 'db.url': database.url } : {}) } });
        try {
          await run(t, host);
        } finally {
          await host.stop();
          await database?.drop();
        }
      });
    }
  }
}

const entriesOf = async (t: TestHost, contract = auditContract) =>
  (await t.host.bus.client(contract).entries({})).entries;

/** The audit entries once there are two or more. */
const bothEntries = (t: TestHost) =>
  eventually(async () => {
    const all = await entriesOf(t);
    return all.length >= 2 ? all : undefined;
  }, 5000, 'both entries');

scenario('when a handler mutates its input, then the caller\'s object is unchanged and cannot reach the handler\'s copy', async (t, h) => {
  const value = { items: [1, 2] };
  const reply = await h.host.bus.client(ledgerContract).echo({ value });
  t.deepEqual(value.items, [1, 2]);
  t.deepEqual(reply.value.items, [1, 2, -1]);
  reply.value.items.push(99);
  t.deepEqual(lastEchoSeen()?.items, [1, 2, -1]);
});

const auditCopy = { ...auditContract, name: 'audit-copy' } as unknown as typeof auditContract;

scenario('when a subscriber mutates its payload, then another consumer of the same event sees the original', async (t, h) => {
  await h.host.bus.client(ledgerContract).record({ amount: 5, tags: ['mutate'] });
  const first = await eventually(async () => (await entriesOf(h)).at(0), 5000, 'audit entry');
  const second = await eventually(async () => (await entriesOf(h, auditCopy)).at(0), 5000, 'audit-copy entry');
  t.is(first.handledBy, 'mutate,mutated');
  t.is(second.handledBy, 'mutate,mutated');
  t.is(first.eventId, second.eventId, 'fan-out: each consumer module got the same event once');
}, {}, [...fixtures, makeAudit('audit-copy')]);

scenario('when a command publishes, then it returns before the subscriber has run', async (t, h) => {
  await h.host.bus.client(ledgerContract).record({ amount: 1, tags: ['slow'] });
  t.deepEqual(await entriesOf(h), [], 'the slow subscriber has not finished yet');
  const entry = await eventually(async () => (await entriesOf(h)).at(0), 5000, 'audit entry');
  t.is(entry.amount, 1);
});

scenario('when a subscriber writes and then keeps failing, then its writes roll back with the inbox mark, the publisher is not affected, the event is retried, dead-lettered and replayable', async (t, h) => {
  const auditClient = h.host.bus.client(auditContract);
  await auditClient.setBroken({ broken: true });
  const { id } = await h.host.bus.client(ledgerContract).record({ amount: 7 });
  const store = h.host.database('audit')!;
  const [dead] = await eventually(async () => {
    const letters = await listDeadLetters(store);
    return letters.length ? letters : undefined;
  }, 10_000, 'a dead letter');
  t.is(dead.type, 'ledger.recorded');
  t.is(dead.attempts, 3);
  t.regex(dead.error, /cannot audit amount 7/);
  t.deepEqual(dead.data, { id, amount: 7, tags: [] });
  t.deepEqual(await entriesOf(h), []);

  await auditClient.setBroken({ broken: false });
  t.deepEqual(await replayDeadLetters(store), [dead.id]);
  const entry = await eventually(async () => (await entriesOf(h)).at(0), 5000, 'replayed entry');
  t.is(entry.amount, 7);
  t.deepEqual(await listDeadLetters(store), []);
}, { 'bus.retry.maxAttempts': 3 });

scenario('when an event is delivered twice, then its effect happens once', async (t, h) => {
  const message = envelope('test', 'ledger.recorded', { id: 'x1', amount: 3, tags: [] });
  await h.host.bus.transport.publish('ledger', 'recorded', [JSON.stringify(message)]);
  await h.host.bus.transport.publish('ledger', 'recorded', [JSON.stringify(message)]);
  await h.host.bus.client(ledgerContract).record({ amount: 4 });
  const entries = await bothEntries(h);
  t.deepEqual(entries.map((e) => e.amount), [3, 4]);
});

/** Waits until the inbox's id set of `store` has turned its window (generation switch) once more. */
async function nextTurn(store: Knex): Promise<void> {
  const stateOf = () => store('cleave_expiring_ids').where({ name: 'cleave_inbox_ids' }).first('switched_at');
  const before = Number((await stateOf()).switched_at);
  await eventually(async () => (Number((await stateOf()).switched_at) > before ? true : undefined), 10_000, 'the window turned');
}

const inboxIdsHeld = async (store: Knex) =>
  Number((await store('cleave_inbox_ids_0').count({ n: '*' }).first())!.n) + Number((await store('cleave_inbox_ids_1').count({ n: '*' }).first())!.n);

scenario('when an event is delivered again within the dedupe window, after the window turned, then its effect happens once', async (t, h) => {
  const store = h.host.database('audit')!;
  await nextTurn(store);
  const message = envelope('test', 'ledger.recorded', { id: 'x1', amount: 3, tags: [] });
  await h.host.bus.transport.publish('ledger', 'recorded', [JSON.stringify(message)]);
  await eventually(async () => ((await entriesOf(h)).length === 1 ? true : undefined), 5000, 'the first entry');
  await nextTurn(store);

  await h.host.bus.transport.publish('ledger', 'recorded', [JSON.stringify(message)]);
  await h.host.bus.client(ledgerContract).record({ amount: 4 });

  const entries = await bothEntries(h);
  t.deepEqual(entries.map((e) => e.amount), [3, 4]);
  t.deepEqual(await store('cleave_inbox').select('id'), [], 'handled events leave the inbox');
}, { 'bus.inbox.dedupeWindowMs': 2000 });

scenario('when events keep coming over several windows, then the inbox keeps no handled event and its ids of at most two windows', async (t, h) => {
  const store = h.host.database('audit')!;
  const perWindow = 5;
  for (let turn = 1; turn <= 3; turn++) {
    for (let i = 0; i < perWindow; i++) await h.host.bus.client(ledgerContract).record({ amount: turn * 10 + i });
    await eventually(async () => ((await entriesOf(h)).length === turn * perWindow ? true : undefined), 5000, `the entries of window ${turn}`);
    await nextTurn(store);
  }

  t.true((await inboxIdsHeld(store)) <= 2 * perWindow, `${await inboxIdsHeld(store)} ids held`);
  t.deepEqual(await store('cleave_inbox').select('id'), []);
  t.is((await entriesOf(h)).length, 3 * perWindow);
}, { 'bus.inbox.dedupeWindowMs': 1000 });

scenario('when a transaction rolls back, then neither its writes nor its event are committed', async (t, h) => {
  const client = h.host.bus.client(ledgerContract);
  const error = await t.throwsAsync(client.record({ amount: 1, rollback: true }));
  t.is((error as CleaveError).code, 'CONFLICT');
  await client.record({ amount: 2 });
  const entries = await eventually(async () => {
    const all = await entriesOf(h);
    return all.length ? all : undefined;
  }, 5000, 'the committed event');
  t.deepEqual(entries.map((e) => e.amount), [2]);
  t.deepEqual((await client.amounts({})).amounts, [2]);
});

scenario('when no process hosts the module, then a request fails fast with UNAVAILABLE', async (t, h) => {
  const started = Date.now();
  const error = await t.throwsAsync(h.host.bus.client(auditContract).entries({}));
  t.is((error as CleaveError).code, 'UNAVAILABLE');
  t.regex(error!.message, /audit/);
  t.true(Date.now() - started < 1000, 'did not wait for the 5 s timeout');
}, { modules: 'ledger' });

scenario('when a handler is slower than the timeout, then the call fails with DEADLINE_EXCEEDED', async (t, h) => {
  const error = await t.throwsAsync(h.host.bus.client(ledgerContract).sleep({ ms: 500 }, { timeoutMs: 50 }));
  t.is((error as CleaveError).code, 'DEADLINE_EXCEEDED');
});

scenario('when input breaks the contract, then the call fails with INVALID_ARGUMENT naming the field', async (t, h) => {
  const client = h.host.bus.client(ledgerContract);
  const error = await t.throwsAsync(client.record({ amount: 'ten' as unknown as number }));
  t.is((error as CleaveError).code, 'INVALID_ARGUMENT');
  t.regex(error!.message, /\/amount/);
});

scenario('when a handler throws a coded error, then the caller gets the same code and message', async (t, h) => {
  const error = await t.throwsAsync(h.host.bus.client(ledgerContract).reject({}));
  t.is((error as CleaveError).code, 'CONFLICT');
  t.is(error!.message, 'already there');
});

scenario('when a call carries a correlation id, then the events it causes carry it to their consumers', async (t, h) => {
  await h.host.bus.client(ledgerContract, { correlationid: 'corr-42' }).record({ amount: 9 });
  const entry = await eventually(async () => (await entriesOf(h)).at(0), 5000, 'audit entry');
  t.is(entry.correlationId, 'corr-42');
});
