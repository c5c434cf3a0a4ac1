import test from 'ava';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { envelope, type Envelope } from '../src/bus/envelope.js';
import { MqttTransport } from '../src/bus/mqtt-transport.js';
import { BusSeal } from '../src/bus/seal.js';
import { eventually, testBusKey } from './support/host.js';
import { mosquittoForFile } from './support/broker-per-file.js';

const log = pino({ level: 'silent' });

/** Transports of one test share a namespace; `batches` turns `bus.mqtt.eventBatches` on for the one made. */
function world(url: string) {
  const namespace = `t${randomBytes(4).toString('hex')}`;
  const started: MqttTransport[] = [];
  return {
    namespace,
    topic: `cleave/${namespace}/evt/ledger/recorded`,
    async start(instanceId: string, options: { batches?: boolean; subscribe?: (transport: MqttTransport) => void } = {}) {
      const transport = new MqttTransport({ url, namespace, instanceId, key: testBusKey, log, consumed: () => true, eventBatches: options.batches });
      options.subscribe?.(transport);
      await transport.start();
      started.push(transport);
      return transport;
    },
    stopAll: () => Promise.all(started.map((transport) => transport.stop().catch(() => undefined))),
  };
}

const recorded = (count: number) => Array.from({ length: count }, (_, i) => envelope('ledger@test', 'ledger.recorded', { i, note: 'x'.repeat(40) }));
const texts = (events: Envelope[]) => events.map((event) => JSON.stringify(event));

const broker = mosquittoForFile('MQTT event batch tests');
if (broker.available) {
  test.serial('when event batches are on, then a run of events crosses in a few messages and each consumer gets every event once, in order', async (t) => {
    const w = world(broker.url);
    const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    try {
      const audit: Envelope[] = [];
      const report: string[] = [];
      await w.start('audit-1', { subscribe: (c) => c.subscribe('audit', 'ledger', 'recorded', async (batch) => void audit.push(...batch)) });
      await w.start('report-1', { subscribe: (c) => c.subscribe('report', 'ledger', 'recorded', async (batch) => void report.push(...batch.map((m) => m.id))) });
      let messages = 0;
      watcher.on('message', () => void (messages += 1));
      await watcher.subscribeAsync(w.topic, { qos: 1 });
      const publisher = await w.start('ledger-1', { batches: true });
      const events = recorded(450);

      await publisher.publish('ledger', 'recorded', texts(events));

      await eventually(async () => (audit.length >= 450 && report.length >= 450 && messages >= 3 ? true : undefined), 5000, () => `${audit.length} / ${report.length} events, ${messages} messages`);
      t.is(messages, 3, 'batches of at most 200 events');
      t.deepEqual(audit.map((m) => m.id), events.map((m) => m.id));
      t.deepEqual(audit[449], events[449], 'each event arrives as it was written');
      t.deepEqual(report, events.map((m) => m.id));
    } finally {
      await watcher.endAsync();
      await w.stopAll();
    }
  });

  test.serial('when a lone event is published with batches on, then it travels as a plain envelope that any build reads', async (t) => {
    const w = world(broker.url);
    const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    try {
      const payloads: string[] = [];
      watcher.on('message', (_topic, payload) => void payloads.push(payload.toString()));
      await watcher.subscribeAsync(w.topic, { qos: 1 });
      const publisher = await w.start('ledger-1', { batches: true });
      const [event] = recorded(1);

      await publisher.publish('ledger', 'recorded', texts([event]));

      await eventually(async () => (payloads.length ? true : undefined), 3000, 'the message');
      t.like(JSON.parse(payloads[0]), { id: event.id, type: 'ledger.recorded', data: event.data });
    } finally {
      await watcher.endAsync();
      await w.stopAll();
    }
  });

  test.serial('when a batch holds an event of another type, then the whole message is dropped and the next one is handled', async (t) => {
    const w = world(broker.url);
    const raw = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    try {
      const got: string[] = [];
      const consumer = await w.start('audit-1', { subscribe: (c) => c.subscribe('audit', 'ledger', 'recorded', async (batch) => void got.push(...batch.map((m) => m.id))) });
      const seal = new BusSeal(testBusKey, w.namespace);
      const [good] = recorded(1);
      const stranger = envelope('ledger@test', 'ledger.erased', {});
      const next = recorded(2);

      await raw.publishAsync(w.topic, seal.seal(`{"events":[${texts([good, stranger]).join(',')}]}`), { qos: 1 });
      await raw.publishAsync(w.topic, seal.seal('{"events":[]}'), { qos: 1 });
      await raw.publishAsync(w.topic, seal.seal(`{"events":[${texts(next).join(',')}]}`), { qos: 1 });

      await eventually(async () => (got.length >= 2 ? true : undefined), 3000, 'the valid batch');
      t.deepEqual(got, next.map((m) => m.id));
      t.is(consumer.dropped, 2);
    } finally {
      await raw.endAsync();
      await w.stopAll();
    }
  });

  test.serial('when an intake fails on a batch, then no event of it is acknowledged and the whole batch arrives again', async (t) => {
    const w = world(broker.url);
    try {
      let attempts = 0;
      const stored: string[] = [];
      await w.start('audit-1', {
        subscribe: (c) =>
          c.subscribe('audit', 'ledger', 'recorded', async (batch) => {
            attempts += 1;
            if (attempts === 1) throw new Error('disk full');
            stored.push(...batch.map((m) => m.id));
          }),
      });
      const publisher = await w.start('ledger-1', { batches: true });
      const events = recorded(50);

      await publisher.publish('ledger', 'recorded', texts(events));

      await eventually(async () => (stored.length >= 50 ? true : undefined), 10_000, () => `${stored.length} events stored after ${attempts} attempts`);
      t.deepEqual(stored, events.map((m) => m.id));
    } finally {
      await w.stopAll();
    }
  });
}
