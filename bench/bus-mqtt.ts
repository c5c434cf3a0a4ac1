import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { envelope } from '../src/bus/envelope.js';
import { loadConfig } from '../src/config/load.js';
import { Host } from '../src/host/host.js';
import { noDelay } from '../src/mqtt/client.js';
import { ping, pingContract, sink, sinkContract } from './fixtures/ping.js';
// The tests' broker helper: Mosquitto on a free port, sized for the bus, stopped by its pid.
import { mosquittoAvailable, startMosquitto } from '../test/support/mosquitto.js';
import { eachRepeat, inTurns, positiveNumber } from './repeat.js';
import type { Row } from './table.js';

const input = { n: 1, text: 'hello world', tags: ['a', 'b', 'c'] };
const event = { n: 1, text: 'hello', tags: ['a', 'b'] };
const window = 64;
const ms = positiveNumber(process.env.BENCH_BUS_MQTT_SECONDS ?? '3', 'BENCH_BUS_MQTT_SECONDS') * 1000;
const latencySamples = 5000;
const eventCount = 20_000;

type Call = () => Promise<unknown>;

/**
 * The bus over MQTT (Mosquitto started here): request/reply between two hosts and durable events across them,
 * against raw mqtt.js MQTT 5 request/reply and QoS 1 publish/subscribe through the same broker, interleaved per repeat.
 */
export async function benchBusMqtt(): Promise<Row[]> {
  if (!mosquittoAvailable()) {
    console.error('bus-mqtt skipped: mosquitto is not installed');
    return [];
  }
  const broker = await startMosquitto();
  try {
    const raw = await rawRequestReply(broker.url);
    const cleave = await cleaveHosts(broker.url);
    const batching = await cleaveHosts(broker.url, { 'bus.mqtt.eventBatches': true }).catch(async (err: unknown) => {
      await Promise.all([raw.close(), cleave.stop()]);
      throw err;
    });
    try {
      const client = cleave.caller.bus.client(pingContract);
      const call = () => client.ping(input);
      const samples = await eachRepeat('bus-mqtt', async (s) => {
        const rawLatency = await latency(raw.call);
        const busLatency = await latency(call);
        s.add('raw p50', rawLatency.p50);
        s.add('raw p99', rawLatency.p99);
        s.add('bus p50', busLatency.p50);
        s.add('bus p99', busLatency.p99);
        const [rawParallel, busParallel] = await throughputs(raw.call, call);
        s.add('raw parallel', rawParallel);
        s.add('bus parallel', busParallel);
        s.add('raw events', await rawPublishSubscribe(broker.url));
        s.add('bus events', await durableEvents(cleave.caller, cleave.server));
        s.add('bus event batches', await durableEvents(batching.caller, batching.server));
      });
      console.error(
        `bus-mqtt: mosquitto at ${broker.url}, all clients in this process; sequential latency over up to ${latencySamples} calls, ` +
          `${window} in flight for ${ms / 1000} s each in turns of 0.5 s, raw QoS 1 for ${ms / 1000} s, ${eventCount} bus events; each after a warm-up`,
      );
      const bench = 'bus-mqtt';
      return [
        { bench, case: 'raw mqtt.js MQTT 5 req/reply, QoS 1, sequential p50 (baseline)', values: samples.get('raw p50'), unit: 'ms' },
        { bench, case: 'raw mqtt.js MQTT 5 req/reply, QoS 1, sequential p99 (baseline)', values: samples.get('raw p99'), unit: 'ms' },
        { bench, case: 'request/reply across hosts, sequential p50', values: samples.get('bus p50'), unit: 'ms', baseline: samples.get('raw p50'), target: { atMost: 0.4 } },
        { bench, case: 'request/reply across hosts, sequential p99', values: samples.get('bus p99'), unit: 'ms', baseline: samples.get('raw p99') },
        { bench, case: `raw mqtt.js MQTT 5 req/reply, QoS 1, ${window} in flight (baseline)`, values: samples.get('raw parallel'), unit: 'req/s' },
        { bench, case: `request/reply across hosts, ${window} in flight`, values: samples.get('bus parallel'), unit: 'req/s', baseline: samples.get('raw parallel'), target: { atLeastX: 0.9, eachRun: true }, perRun: true },
        { bench, case: `raw mqtt.js QoS 1 publish/subscribe, ${window} unacked (baseline)`, values: samples.get('raw events'), unit: 'msg/s' },
        { bench, case: 'durable events: outbox -> MQTT QoS 1 -> inbox -> handler', values: samples.get('bus events'), unit: 'events/s', baseline: samples.get('raw events'), target: { atLeastX: 0.6 } },
        { bench, case: 'durable events as above, bus.mqtt.eventBatches on', values: samples.get('bus event batches'), unit: 'events/s', baseline: samples.get('raw events'), target: { atLeastX: 0.6 } },
      ];
    } finally {
      await Promise.all([raw.close(), cleave.stop(), batching.stop()]);
    }
  } finally {
    await broker.stop();
  }
}

/** p50 and p99 in ms of up to `latencySamples` sequential calls within `ms`, after a warm-up as long. */
async function latency(call: Call): Promise<{ p50: number; p99: number; samples: number }> {
  const sample = async () => {
    const samples: number[] = [];
    const end = performance.now() + ms;
    while (samples.length < latencySamples && performance.now() < end) {
      const start = performance.now();
      await call();
      samples.push(performance.now() - start);
    }
    return samples.sort((a, b) => a - b);
  };
  await sample();
  const samples = await sample();
  return { p50: samples[Math.floor(samples.length * 0.5)], p99: samples[Math.floor(samples.length * 0.99)], samples: samples.length };
}

/** Calls per second with `window` calls always in flight, over `duration` ms. */
async function throughput(call: Call, duration: number): Promise<number> {
  let done = 0;
  const end = performance.now() + duration;
  const worker = async () => {
    while (performance.now() < end) {
      await call();
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: window }, worker));
  return (done / (performance.now() - start)) * 1000;
}

/** Calls per second of raw mqtt.js and of the bus, each for `ms` in all, in turns of half a second after a warm-up. */
async function throughputs(raw: Call, bus: Call): Promise<[number, number]> {
  const turnMs = 500;
  await inTurns(1, () => throughput(raw, ms / 3), () => throughput(bus, ms / 3));
  return inTurns(Math.max(2, Math.round(ms / turnMs)), () => throughput(raw, turnMs), () => throughput(bus, turnMs));
}

/** A raw MQTT 5 client with Nagle's algorithm off, as the bus transport sets it (mqtt.js leaves it on). */
async function connect(url: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `bench-${randomBytes(4).toString('hex')}`, reconnectPeriod: 0 });
  noDelay(client);
  return client;
}

/** Raw MQTT 5 request/reply: a requester and a responder, responseTopic + correlationData, JSON both ways, QoS 1. */
async function rawRequestReply(url: string): Promise<{ call: Call; close: () => Promise<void> }> {
  const requestTopic = `bench/${randomBytes(4).toString('hex')}/req`;
  const responseTopic = `${requestTopic}/reply`;
  const responder = await connect(url);
  responder.on('message', (_topic, payload, packet) => {
    const { responseTopic: to, correlationData } = packet.properties ?? {};
    if (to) responder.publish(to, JSON.stringify(JSON.parse(payload.toString())), { qos: 1, properties: { correlationData } });
  });
  await responder.subscribeAsync(requestTopic, { qos: 1 });
  const requester = await connect(url);
  const pending = new Map<string, (reply: unknown) => void>();
  requester.on('message', (_topic, payload, packet) => {
    const id = packet.properties?.correlationData?.toString() ?? '';
    pending.get(id)?.(JSON.parse(payload.toString()));
    pending.delete(id);
  });
  await requester.subscribeAsync(responseTopic, { qos: 1 });
  let next = 0;
  const call = () =>
    new Promise<unknown>((resolve) => {
      const id = String(next++);
      pending.set(id, resolve);
      requester.publish(requestTopic, JSON.stringify(input), { qos: 1, properties: { responseTopic, correlationData: Buffer.from(id) } });
    });
  return { call, close: async () => void (await Promise.all([requester.endAsync(), responder.endAsync()])) };
}

/**
 * Raw QoS 1 publish/subscribe of messages the size of a Cleave event envelope: the publisher keeps `window`
 * messages unacknowledged, the subscriber counts. Messages per second until the subscriber has them all.
 */
async function rawPublishSubscribe(url: string): Promise<number> {
  const topic = `bench/${randomBytes(4).toString('hex')}/evt`;
  const payload = JSON.stringify(envelope('ping@bench', 'ping.pinged', event));
  const subscriber = await connect(url);
  const publisher = await connect(url);
  let received = 0;
  let wanted = 0;
  let onAll = () => {};
  subscriber.on('message', () => {
    if (++received === wanted) onAll();
  });
  await subscriber.subscribeAsync(topic, { qos: 1 });
  const run = async (duration: number) => {
    received = 0;
    wanted = 0;
    const start = performance.now();
    const end = start + duration;
    let sent = 0;
    await new Promise<void>((resolve) => {
      const send = () => {
        if (performance.now() >= end) return;
        sent++;
        publisher.publish(topic, payload, { qos: 1 }, send);
      };
      for (let i = 0; i < window; i++) send();
      const wait = setInterval(() => {
        if (performance.now() < end) return;
        clearInterval(wait);
        wanted = sent;
        onAll = resolve;
        if (received === wanted) resolve();
      }, 5);
    });
    return (received / (performance.now() - start)) * 1000;
  };
  await run(ms / 3);
  const perSecond = await run(ms);
  await Promise.all([publisher.endAsync(), subscriber.endAsync()]);
  return perSecond;
}

/**
 * Two hosts on the MQTT bus with `settings` (config keys): `server` hosts ping, `caller` hosts sink, so each call
 * and event crosses the broker.
 */
async function cleaveHosts(url: string, settings: Record<string, unknown> = {}): Promise<{ caller: Host; server: Host; stop: () => Promise<void> }> {
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const dirs: string[] = [];
  const start = (module: string) => {
    const dataDir = mkdtempSync(join(tmpdir(), `cleave-bench-${module}-`));
    dirs.push(dataDir);
    const overrides = {
      modules: [module],
      'db.dataDir': dataDir,
      'http.port': 0,
      'log.level': 'silent',
      'edge.broker': 'off',
      'bus.transport': 'mqtt',
      'bus.mqtt.url': url,
      'bus.key': 'bench-bus-key-0123456789abcdef0123456789',
      'bus.namespace': namespace,
      ...settings,
    };
    return Host.start({ config: loadConfig({ modules: [ping, sink], cwd: dataDir, env: {}, overrides }), modules: [ping, sink] });
  };
  const started: Host[] = [];
  const stop = async () => {
    await Promise.all(started.map((host) => host.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const module of ['ping', 'sink']) started.push(await start(module));
  } catch (err) {
    await stop();
    throw err;
  }
  const [server, caller] = started;
  return { caller, server, stop };
}

/**
 * Events per second from ping's outbox (server) over MQTT into sink's inbox and handler (caller): `emit`
 * commits them 500 a transaction; the clock stops when sink has handled them all. A warm-up round first.
 */
async function durableEvents(caller: Host, server: Host): Promise<number> {
  const emitter = server.bus.client(pingContract);
  const counter = caller.bus.client(sinkContract);
  const deliver = async (total: number) => {
    const before = (await counter.count({})).count;
    const start = performance.now();
    const deadline = start + 60_000;
    for (let sent = 0; sent < total; sent += 500) await emitter.emit({ count: 500 });
    while ((await counter.count({})).count - before < total) {
      if (performance.now() > deadline) throw new Error(`sink handled ${(await counter.count({})).count - before} of ${total} events in 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return (total / (performance.now() - start)) * 1000;
  };
  await deliver(2000);
  return deliver(eventCount);
}
