import mqtt, { type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { CleaveError } from '../errors.js';
import { deadlines } from './deadlines.js';
import { copyJson, type Envelope } from './envelope.js';
import { withTimeout } from './inproc.js';
import type { EventIntake, Reply, RequestHandler, Transport } from './transport.js';

/** Options of the MQTT transport. */
export interface MqttTransportOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  /** Topic namespace: everything lives under `cleave/<namespace>/`. */
  namespace: string;
  /** Unique per process: names the client id, the reply topic and the presence topic. */
  instanceId: string;
  log: Logger;
  version?: string;
  /** This host's HTTP address, published in presence. */
  http?: string;
}

/** One live instance as seen through presence. */
export interface InstanceInfo {
  instanceId: string;
  modules: string[];
  http?: string;
  version?: string;
  startedAt?: string;
}

type WireReply = { id: string } & Reply;
type AckCallback = (error: Error | number, code?: number) => void;

const connectTimeoutMs = 5000;
const backoffBaseMs = 200;
const backoffMaxMs = 10_000;
/** After a reconnect, a PUBACK "no matching subscribers" may mean consumers have not resubscribed yet. */
const resubscribeGraceMs = 15_000;

/**
 * The bus over an MQTT 5 broker (Mosquitto 2, EMQX, HiveMQ): requests on shared subscriptions, replies to the
 * caller's own topic, events at-least-once with the PUBACK sent only after the consumer's inbox stored them,
 * presence as retained messages cleared by the will. Requests to modules served in this process stay in-process.
 */
export class MqttTransport implements Transport {
  readonly kind = 'mqtt';
  readonly remote = true;
  private readonly prefix: string;
  private readonly replyTopic: string;
  private readonly presenceTopic: string;
  private readonly local = new Map<string, RequestHandler>();
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly intakes: Array<{ filter: string; intake: EventIntake }> = [];
  private readonly requestFilters: string[] = [];
  private readonly pending = new Map<string, (reply: Reply) => void>();
  private readonly presence = new Map<string, InstanceInfo>();
  private readonly startedAt = new Date().toISOString();
  private client?: MqttClient;
  private attempts = 0;
  private reconnectedAt = 0;
  private readonly unrouted = new Set<number>();
  private stopping = false;

  constructor(private readonly options: MqttTransportOptions) {
    this.prefix = `cleave/${options.namespace}/`;
    this.replyTopic = `${this.prefix}rep/${options.instanceId}`;
    this.presenceTopic = `${this.prefix}presence/${options.instanceId}`;
  }

  serve(module: string, operation: string, handler: RequestHandler): void {
    const topic = `${this.prefix}req/${module}/${operation}`;
    this.local.set(`${module}.${operation}`, handler);
    this.handlers.set(topic, handler);
    this.requestFilters.push(`$share/${module}/${topic}`);
  }

  async request(module: string, operation: string, request: Envelope, timeoutMs: number): Promise<Reply> {
    const handler = this.local.get(`${module}.${operation}`);
    if (handler) {
      const reply = await withTimeout(handler({ ...request, data: copyJson(request.data) }), timeoutMs, `${module}.${operation}`);
      return reply.ok ? { ok: true, data: copyJson(reply.data) } : reply;
    }
    if (!this.hosted(module)) {
      return { ok: false, error: { code: 'UNAVAILABLE', message: `no process hosts module "${module}"` } };
    }
    const client = this.client;
    if (!client) return { ok: false, error: { code: 'UNAVAILABLE', message: 'the MQTT transport is not started' } };
    return new Promise<Reply>((resolve) => {
      const cancel = deadlines.after(timeoutMs, () => {
        this.pending.delete(request.id);
        const error = new CleaveError('DEADLINE_EXCEEDED', `${module}.${operation} did not answer within ${timeoutMs} ms`);
        resolve({ ok: false, error: error.toJSON() });
      });
      this.pending.set(request.id, (reply) => {
        cancel();
        this.pending.delete(request.id);
        resolve(reply);
      });
      const payload = JSON.stringify({ ...request, replyto: this.replyTopic });
      const properties = { messageExpiryInterval: Math.max(1, Math.ceil(timeoutMs / 1000)) };
      client.publish(`${this.prefix}req/${module}/${operation}`, payload, { qos: 1, properties }, (err) => {
        if (err) this.options.log.warn({ err, module, operation }, 'request publish failed');
      });
    });
  }

  subscribe(consumer: string, module: string, event: string, intake: EventIntake): void {
    const topic = `${this.prefix}evt/${module}/${event}`;
    const filter = consumer === 'edge' ? topic : `$share/${consumer}/${topic}`;
    this.intakes.push({ filter, intake });
  }

  async publish(module: string, event: string, messages: Envelope[]): Promise<void> {
    const client = this.client;
    if (!client?.connected) throw new CleaveError('UNAVAILABLE', `MQTT broker ${this.options.url} is not connected`);
    const topic = `${this.prefix}evt/${module}/${event}`;
    const acks = await Promise.all(messages.map((message) => client.publishAsync(topic, JSON.stringify(message), { qos: 1 })));
    const unrouted = acks.filter((ack) => ack?.messageId !== undefined && this.unrouted.delete(ack.messageId));
    if (unrouted.length && Date.now() - this.reconnectedAt < resubscribeGraceMs) {
      throw new CleaveError('UNAVAILABLE', `${unrouted.length} ${module}.${event} events reached no subscriber right after a reconnect`);
    }
  }

  /** The live instances known from presence, this one included. */
  instances(): InstanceInfo[] {
    return [...this.presence.values()].map((info) => ({ ...info, modules: [...info.modules] }));
  }

  async start(): Promise<void> {
    const { url, namespace, instanceId, log } = this.options;
    this.stopping = false;
    const client = mqtt.connect(url, {
      protocolVersion: 5,
      clientId: `cleave-${namespace}-${instanceId}`,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
      resubscribe: false,
      reconnectPeriod: backoffBaseMs,
      connectTimeout: connectTimeoutMs,
      will: { topic: this.presenceTopic, payload: Buffer.alloc(0), qos: 1, retain: true },
      customHandleAcks: (topic, message, packet, done) => this.receive(topic, message, packet as IPublishPacket, done),
    });
    this.client = client;
    client.on('message', (topic, message, packet) => {
      if (packet.qos === 0) this.receive(topic, message, packet, () => undefined);
    });
    client.on('packetreceive', (packet) => {
      if (packet.cmd !== 'puback' || packet.messageId === undefined) return;
      if (packet.reasonCode === 16) this.unrouted.add(packet.messageId);
      else this.unrouted.delete(packet.messageId);
    });
    client.on('error', (err) => log.debug({ err }, 'MQTT client error'));
    client.on('offline', () => this.backoff());
    client.on('reconnect', () => this.backoff());
    client.on('connect', (connack: IConnackPacket) => {
      const resumed = this.attempts > 0;
      this.attempts = 0;
      client.options.reconnectPeriod = backoffBaseMs;
      if (resumed) {
        this.reconnectedAt = Date.now();
        log.info({ url, sessionPresent: connack.sessionPresent }, 'MQTT reconnected');
        this.subscribeAll(client)
          .then(() => this.announce())
          .catch((err: unknown) => log.warn({ err }, 'resubscribe or presence publish failed'));
      }
    });
    try {
      await this.connected(client);
    } catch (err) {
      client.end(true);
      this.client = undefined;
      throw err;
    }
    await this.subscribeAll(client);
    await this.announce();
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    for (const resolve of [...this.pending.values()]) {
      resolve({ ok: false, error: { code: 'UNAVAILABLE', message: 'the MQTT transport stopped' } });
    }
    if (client.connected) {
      await client.publishAsync(this.presenceTopic, '', { qos: 1, retain: true }).catch(() => undefined);
    }
    await client.endAsync();
    this.client = undefined;
    this.presence.clear();
  }

  /**
   * Subscribes everything, also after a resumed session: Mosquitto 2.0.11 keeps a persistent session's
   * plain subscriptions over a restart but not its shared ones. Presence first, so its retained messages
   * have arrived by the time the last SUBACK does.
   */
  private async subscribeAll(client: MqttClient): Promise<void> {
    await client.subscribeAsync(`${this.prefix}presence/+`, { qos: 1 });
    const filters: Record<string, { qos: 1 }> = { [this.replyTopic]: { qos: 1 } };
    for (const filter of this.requestFilters) filters[filter] = { qos: 1 };
    await client.subscribeAsync(filters);
    for (const [index, { filter }] of this.intakes.entries()) {
      await client.subscribeAsync(filter, { qos: 1, properties: { subscriptionIdentifier: index + 1 } });
    }
  }

  private hosted(module: string): boolean {
    for (const info of this.presence.values()) if (info.modules.includes(module)) return true;
    return false;
  }

  private announce(): Promise<unknown> {
    const modules = [...new Set([...this.local.keys()].map((key) => key.slice(0, key.indexOf('.'))))];
    const { instanceId, http, version } = this.options;
    const payload = JSON.stringify({ instanceId, modules, http, version, startedAt: this.startedAt });
    return this.client!.publishAsync(this.presenceTopic, payload, { qos: 1, retain: true });
  }

  private connected(client: MqttClient): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('connect', onConnect);
        const hint = 'check the broker or set --mqtt-url / CLEAVE_MQTT_URL';
        reject(new CleaveError('UNAVAILABLE', `cannot reach MQTT broker ${this.options.url} within ${connectTimeoutMs / 1000} s: ${hint}`));
      }, connectTimeoutMs);
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once('connect', onConnect);
    });
  }

  private backoff(): void {
    if (!this.client) return;
    this.attempts += 1;
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(this.attempts - 1, 16));
    this.client.options.reconnectPeriod = Math.round(ceiling * (0.5 + Math.random() * 0.5));
  }

  private receive(topic: string, message: Buffer, packet: IPublishPacket, done: AckCallback): void {
    const rest = topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : '';
    if (rest.startsWith('evt/')) return this.deliverEvent(topic, message, packet, done);
    done(0);
    if (rest.startsWith('rep/')) this.deliverReply(message);
    else if (rest.startsWith('req/')) void this.handleRequest(topic, message);
    else if (rest.startsWith('presence/')) this.updatePresence(rest.slice('presence/'.length), message);
  }

  private deliverEvent(topic: string, message: Buffer, packet: IPublishPacket, done: AckCallback): void {
    const { log } = this.options;
    const ids = packet.properties?.subscriptionIdentifier ?? [];
    const intakes = (Array.isArray(ids) ? ids : [ids]).map((id) => this.intakes[id - 1]?.intake).filter((i) => i !== undefined);
    const event = this.parse<Envelope>(message, topic);
    if (!intakes.length || !event) return done(0);
    intakes
      .reduce((previous, intake) => previous.then(() => intake([{ ...event, data: copyJson(event.data) }])), Promise.resolve())
      .then(
      () => done(0),
      (err: unknown) => {
        log.error({ err, event: event.id, topic }, 'event intake failed; reconnecting so the broker redelivers it');
        this.client?.stream.destroy();
      },
    );
  }

  private deliverReply(message: Buffer): void {
    const reply = this.parse<WireReply>(message, this.replyTopic);
    if (reply) this.pending.get(reply.id)?.(reply.ok ? { ok: true, data: reply.data } : { ok: false, error: reply.error });
  }

  private async handleRequest(topic: string, message: Buffer): Promise<void> {
    const handler = this.handlers.get(topic);
    const request = this.parse<Envelope>(message, topic);
    if (!handler || !request?.replyto) return;
    if (request.deadline !== undefined && request.deadline < Date.now()) return;
    const reply = await handler(request).catch((err: unknown): Reply => ({ ok: false, error: CleaveError.from(err).toJSON() }));
    const left = request.deadline === undefined ? 60 : Math.ceil((request.deadline - Date.now()) / 1000);
    if (left <= 0 || this.stopping || !this.client) return;
    const payload = JSON.stringify({ id: request.id, ...reply });
    this.client.publish(request.replyto, payload, { qos: 1, properties: { messageExpiryInterval: left } }, (err) => {
      if (err) this.options.log.warn({ err, request: request.id }, 'reply publish failed');
    });
  }

  private updatePresence(instanceId: string, message: Buffer): void {
    if (message.length === 0) {
      this.presence.delete(instanceId);
      return;
    }
    const info = this.parse<InstanceInfo>(message, `presence/${instanceId}`);
    if (info && Array.isArray(info.modules)) this.presence.set(instanceId, { ...info, instanceId });
  }

  private parse<T>(message: Buffer, topic: string): T | undefined {
    try {
      return JSON.parse(message.toString('utf8')) as T;
    } catch (err) {
      this.options.log.warn({ err, topic }, 'dropped a malformed MQTT message');
      return undefined;
    }
  }
}
