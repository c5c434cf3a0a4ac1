import test from 'ava';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { Bus } from '../src/bus/bus.js';
import { envelope, type Envelope } from '../src/bus/envelope.js';
import { MqttTransport } from '../src/bus/mqtt-transport.js';
import { BusSeal } from '../src/bus/seal.js';
import type { Reply } from '../src/bus/transport.js';
import { conflict, type CleaveError } from '../src/errors.js';
import { ledgerContract } from './fixtures/modules/ledger/contract.js';
import { eventually, testBusKey } from './support/host.js';
import { mosquittoForFile } from './support/broker-per-file.js';
import { startMosquitto } from './support/mosquitto.js';
import { tcpProxy } from './support/tcp-proxy.js';

const logLines: string[] = [];
const log = pino({ level: process.env.MQTT_TEST_LOG ?? 'warn' }, { write: (line: string) => void (process.env.MQTT_TEST_LOG ? process.stderr.write(line) : logLines.push(line)) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Transports of one test share a namespace; all are stopped after the test. */
function world(url: string) {
  const namespace = `t${randomBytes(4).toString('hex')}`;
  const started: MqttTransport[] = [];
  return {
    namespace,
    prefix: `cleave/${namespace}/`,
    make: (instanceId: string) => new MqttTransport({ url, namespace, instanceId, key: testBusKey, log, version: 'test', consumed: () => true }),
    async start(transport: MqttTransport) {
      await transport.start();
      await transport.advertise(`http://${transport.protocolVersion}.test`);
      started.push(transport);
      return transport;
    },
    stopAll: () => Promise.all(started.map((transport) => transport.stop().catch(() => undefined))),
  };
}

/** Instances `a` and `b` of a world, each with a bus: `a` serves what `serve` registers, `b` calls it. */
async function serverAndCaller(w: ReturnType<typeof world>, serve: (bus: Bus) => void) {
  const a = w.make('a');
  const b = w.make('b');
  serve(new Bus({ transport: a, contracts: [ledgerContract], instanceId: 'a', requestTimeoutMs: 3000, log }));
  const caller = new Bus({ transport: b, contracts: [ledgerContract], instanceId: 'b', requestTimeoutMs: 3000, log });
  await w.start(a);
  await w.start(b);
  return { a, b, client: caller.client(ledgerContract) };
}

function request(type: string, data: unknown, timeoutMs: number): Envelope {
  const message = envelope('test', type, data);
  message.deadline = Date.now() + timeoutMs;
  return message;
}

/**
 * Counts the writes every socket of this process makes to the kernel: one per call of a socket's `_write` or
 * `_writev` (Node's stream calls one of them per flush of what was written meanwhile).
 */
function socketWrites(): { readonly count: number; reset(): void; restore(): void } {
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  const originals = { _write: proto._write, _writev: proto._writev };
  let count = 0;
  for (const name of ['_write', '_writev'] as const) {
    proto[name] = function (this: Socket, ...args: unknown[]) {
      count += 1;
      return originals[name].apply(this, args);
    };
  }
  return {
    get count() {
      return count;
    },
    reset: () => void (count = 0),
    restore: () => Object.assign(proto, originals),
  };
}

const echo = (seen?: string[]) => async (message: Envelope): Promise<Reply> => {
  seen?.push(message.id);
  return { ok: true, data: message.data };
};

const broker = mosquittoForFile('MQTT bus tests');
if (broker.available) {

  test.serial('when one instance serves a module, then another calls it over the broker and error codes cross unchanged', async (t) => {
    const w = world(broker.url);
    try {
      const { b, client } = await serverAndCaller(w, (bus) => {
        bus.serve(ledgerContract, 'echo', async (input) => input);
        bus.serve(ledgerContract, 'reject', async () => {
          throw conflict('already recorded');
        });
      });
      t.deepEqual(await client.echo({ value: { items: [1, 2] } }), { value: { items: [1, 2] } });
      const error = await t.throwsAsync(client.reject({}));
      t.is((error as { code?: string }).code, 'CONFLICT');
      t.is(error.message, 'already recorded');
      t.deepEqual(b.instances().map((i) => i.instanceId).sort(), ['a', 'b']);
    } finally {
      await w.stopAll();
    }
  });

  test.serial('when an instance answers a request, then the acknowledgement of the request and the reply leave it in one write', async (t) => {
    const w = world(broker.url);
    const writes = socketWrites();
    try {
      const { client } = await serverAndCaller(w, (bus) => bus.serve(ledgerContract, 'echo', async (input) => input));
      await client.echo({ value: { items: [] } });
      writes.reset();
      for (let i = 0; i < 20; i += 1) t.deepEqual(await client.echo({ value: { items: [i] } }), { value: { items: [i] } });
      // Per call, two writes: the server's acknowledgement of the request with the reply, and the caller's
      // acknowledgement of the previous reply with the request. Written one by one, that would be four.
      t.is(writes.count, 20 * 2);
    } finally {
      writes.restore();
      await w.stopAll();
    }
  });

  test.serial('when nobody hosts a module, then a request fails fast with UNAVAILABLE, also after its host stopped', async (t) => {
    const w = world(broker.url);
    try {
      const b = await w.start(w.make('b'));
      let started = Date.now();
      let reply = await b.request('nobody', 'op', request('nobody.op', {}, 5000), 5000);
      t.true(!reply.ok && reply.error.code === 'UNAVAILABLE');
      t.true(Date.now() - started < 500);

      const a = w.make('a');
      a.serve('ledger', 'echo', echo());
      await w.start(a);
      await eventually(async () => (b.instances().some((i) => i.modules.includes('ledger')) ? true : undefined), 3000, 'presence of a');
      reply = await b.request('ledger', 'echo', request('ledger.echo', { x: 1 }, 3000), 3000);
      t.deepEqual(reply, { ok: true, data: { x: 1 } });

      await a.stop();
      await eventually(async () => (b.instances().some((i) => i.instanceId === 'a') ? undefined : true), 3000, 'presence of a cleared');
      started = Date.now();
      reply = await b.request('ledger', 'echo', request('ledger.echo', {}, 5000), 5000);
      t.true(!reply.ok && reply.error.code === 'UNAVAILABLE');
      t.true(Date.now() - started < 500);
    } finally {
      await w.stopAll();
    }
  });

  test.serial('when a handler is slower than the timeout, then the caller gets DEADLINE_EXCEEDED and the late reply is dropped', async (t) => {
    const w = world(broker.url);
    try {
      const a = w.make('a');
      let finished = 0;
      a.serve('ledger', 'sleep', async (message) => {
        await sleep((message.data as { ms: number }).ms);
        finished += 1;
        return { ok: true, data: {} };
      });
      await w.start(a);
      const b = await w.start(w.make('b'));
      const before = logLines.length;
      const started = Date.now();
      const reply = await b.request('ledger', 'sleep', request('ledger.sleep', { ms: 1500 }, 300), 300);
      t.true(!reply.ok && reply.error.code === 'DEADLINE_EXCEEDED');
      t.true(Date.now() - started < 1000);
      await eventually(async () => (finished === 1 ? true : undefined), 3000, 'the slow handler to finish');
      await sleep(100);
      const fast = await b.request('ledger', 'sleep', request('ledger.sleep', { ms: 0 }, 2000), 2000);
      t.deepEqual(fast, { ok: true, data: {} });
      t.deepEqual(logLines.slice(before), [], 'nothing logged about the late reply');
    } finally {
      await w.stopAll();
    }
  });

  test.serial('when a module runs as two replicas, then they share requests and events while another consumer module gets every event', async (t) => {
    const w = world(broker.url);
    try {
      const seen: [string[], string[]] = [[], []];
      const events: [string[], string[]] = [[], []];
      const report: string[] = [];
      for (const index of [0, 1] as const) {
        const replica = w.make(`ledger-${index}`);
        replica.serve('ledger', 'echo', echo(seen[index]));
        replica.subscribe('audit', 'ledger', 'recorded', async (batch) => void events[index].push(...batch.map((m) => m.id)));
        await w.start(replica);
      }
      const reporter = w.make('report');
      reporter.subscribe('report', 'ledger', 'recorded', async (batch) => void report.push(...batch.map((m) => m.id)));
      await w.start(reporter);
      const caller = await w.start(w.make('caller'));
      await eventually(async () => (caller.instances().length === 4 ? true : undefined), 3000, 'presence');

      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) => caller.request('ledger', 'echo', request('ledger.echo', { i }, 5000), 5000)),
      );
      t.true(replies.every((reply) => reply.ok));
      t.true(seen[0].length > 0 && seen[1].length > 0, `split ${seen[0].length}/${seen[1].length}`);
      t.is(new Set([...seen[0], ...seen[1]]).size, 200);
      t.is(seen[0].length + seen[1].length, 200);

      const published = Array.from({ length: 100 }, (_, i) => envelope('ledger@caller', 'ledger.recorded', { i }));
      await caller.publish('ledger', 'recorded', published.map((message) => JSON.stringify(message)));
      await eventually(async () => (events[0].length + events[1].length >= 100 && report.length >= 100 ? true : undefined), 5000, 'all events');
      await sleep(200);
      t.true(events[0].length > 0 && events[1].length > 0, `split ${events[0].length}/${events[1].length}`);
      t.is(events[0].length + events[1].length, 100, 'each event to exactly one replica');
      t.deepEqual([...events[0], ...events[1]].sort(), published.map((m) => m.id).sort());
      t.deepEqual(report, published.map((m) => m.id), 'the other consumer got every event, in order');
    } finally {
      await w.stopAll();
    }
  });

  test.serial('when its only consumer stopped gracefully, then publishing fails (the event stays with the publisher) until the consumer is back', async (t) => {
    const w = world(broker.url);
    try {
      const got: string[] = [];
      const consumer = () => {
        const transport = w.make('audit-1');
        transport.subscribe('audit', 'ledger', 'recorded', async (batch) => void got.push(...batch.map((m) => m.id)));
        return transport;
      };
      const first = await w.start(consumer());
      await first.stop();
      const publisher = await w.start(w.make('ledger-1'));
      const message = envelope('ledger@ledger-1', 'ledger.recorded', { id: 'x' });

      const error = await t.throwsAsync(publisher.publish('ledger', 'recorded', [JSON.stringify(message)]));
      t.is((error as CleaveError).code, 'UNAVAILABLE');
      await w.start(consumer());
      await publisher.publish('ledger', 'recorded', [JSON.stringify(message)]);
      await eventually(async () => (got.length ? true : undefined), 5000, 'the event');
      t.deepEqual(got, [message.id]);
    } finally {
      await w.stopAll();
    }
  });

  test.serial('when a consumer loses its connection without stopping, then events wait in its session until it is back', async (t) => {
    const w = world(broker.url);
    const proxy = await tcpProxy(broker.port);
    try {
      const got: string[] = [];
      const consumer = () => {
        const transport = new MqttTransport({ url: proxy.url, namespace: w.namespace, instanceId: 'audit-1', key: testBusKey, log, consumed: () => true });
        transport.subscribe('audit', 'ledger', 'recorded', async (batch) => void got.push(...batch.map((m) => m.id)));
        return transport;
      };
      const first = await w.start(consumer());
      const publisher = await w.start(w.make('ledger-1'));
      proxy.pause();
      await sleep(100);
      const message = envelope('ledger@ledger-1', 'ledger.recorded', { id: 'x' });
      await publisher.publish('ledger', 'recorded', [JSON.stringify(message)]);
      await sleep(100);
      t.deepEqual(got, []);

      proxy.resume();

      await eventually(async () => (got.length ? true : undefined), 15_000, 'the queued event');
      t.deepEqual(got, [message.id]);
      await first.stop();
    } finally {
      await w.stopAll();
      await proxy.close();
    }
  });

  test.serial('when the broker restarts mid-stream, then no event is lost', async (t) => {
    const persistent = await startMosquitto({ persistence: true });
    const w = world(persistent.url);
    try {
      const got: string[] = [];
      const consumer = w.make('audit-1');
      consumer.subscribe('audit', 'ledger', 'recorded', async (batch) => void got.push(...batch.map((m) => m.id)));
      await w.start(consumer);
      const publisher = await w.start(w.make('ledger-1'));
      const ids: string[] = [];
      let failures = 0;
      let restarted: Promise<void> | undefined;
      for (let i = 0; i < 500; i += 1) {
        const message = envelope('ledger@ledger-1', 'ledger.recorded', { i });
        ids.push(message.id);
        if (i === 250) restarted = persistent.restart();
        for (;;) {
          const attempt = publisher.publish('ledger', 'recorded', [JSON.stringify(message)]);
          const timeout = sleep(3000).then(() => Promise.reject(new Error('publish timed out')));
          try {
            await Promise.race([attempt, timeout]);
            break;
          } catch {
            failures += 1;
            await sleep(50);
          }
        }
      }
      await restarted;
      await eventually(async () => (new Set(got).size === 500 ? true : undefined), 15_000, 'all 500 events').catch((err) => {
        const missing = ids.map((id, i) => (got.includes(id) ? -1 : i)).filter((i) => i >= 0);
        t.log(`got ${got.length} (${new Set(got).size} distinct), retries ${failures}, missing ${missing.slice(0, 20).join(',')} (${missing.length})`);
        throw err;
      });
      const duplicates = got.length - new Set(got).size;
      t.log(`publish retries: ${failures}, duplicates delivered: ${duplicates}`);
      t.deepEqual([...new Set(got)].sort(), [...ids].sort());
    } finally {
      await w.stopAll();
      await persistent.stop();
    }
  });

  test.serial('when an intake fails once, then the event is not acknowledged and arrives again', async (t) => {
    const w = world(broker.url);
    try {
      const attempts: string[] = [];
      const stored: string[] = [];
      const consumer = w.make('audit-1');
      consumer.subscribe('audit', 'ledger', 'recorded', async (batch) => {
        attempts.push(batch[0].id);
        if (attempts.length === 1) throw new Error('disk full');
        stored.push(batch[0].id);
      });
      await w.start(consumer);
      const publisher = await w.start(w.make('ledger-1'));
      const message = envelope('ledger@ledger-1', 'ledger.recorded', { id: 'x' });
      await publisher.publish('ledger', 'recorded', [JSON.stringify(message)]);
      await eventually(async () => (stored.length ? true : undefined), 5000, 'the redelivered event');
      t.deepEqual(attempts, [message.id, message.id]);
      t.deepEqual(stored, [message.id]);
    } finally {
      await w.stopAll();
    }
  });

  test.serial('when a message is malformed or unsealed, then it is logged and dropped and the next one is handled', async (t) => {
    const w = world(broker.url);
    const raw = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    try {
      const got: string[] = [];
      const consumer = w.make('audit-1');
      consumer.serve('audit', 'entries', echo());
      consumer.subscribe('audit', 'ledger', 'recorded', async (batch) => void got.push(...batch.map((m) => m.id)));
      await w.start(consumer);
      const before = logLines.length;
      await raw.publishAsync(`${w.prefix}evt/ledger/recorded`, '{not json', { qos: 1 });
      await raw.publishAsync(`${w.prefix}req/audit/entries`, 'nope', { qos: 1 });
      const message = envelope('ledger@x', 'ledger.recorded', {});
      await raw.publishAsync(`${w.prefix}evt/ledger/recorded`, JSON.stringify(message), { qos: 1 });
      const sealed = envelope('ledger@x', 'ledger.recorded', {});
      await raw.publishAsync(`${w.prefix}evt/ledger/recorded`, new BusSeal(testBusKey, w.namespace).seal(JSON.stringify(sealed)), { qos: 1 });
      await eventually(async () => (got.length ? true : undefined), 3000, 'the valid event');
      t.deepEqual(got, [sealed.id]);
      t.is(consumer.dropped, 3);
      t.true(logLines.slice(before).some((line) => line.includes('no valid seal')));
    } finally {
      await raw.endAsync();
      await w.stopAll();
    }
  });

  test.serial('when the broker is unreachable, then start fails within 5 s naming the URL and how to set it', async (t) => {
    const transport = new MqttTransport({ url: 'mqtt://127.0.0.1:1', namespace: 'x', instanceId: 'x', key: testBusKey, log });
    const started = Date.now();
    const error = await t.throwsAsync(transport.start());
    t.regex(error.message, /mqtt:\/\/127\.0\.0\.1:1.*--mqtt-url.*CLEAVE_MQTT_URL/);
    t.true(Date.now() - started < 6000);
  });
}
