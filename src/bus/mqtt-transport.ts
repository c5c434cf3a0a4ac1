import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { CleaveError } from '../errors.js';
import { ackLater, OrderedAcks, type PendingAck } from '../mqtt/acks.js';
import { brokerName, ConnectRefused, corked, manageConnection, turnWrites, untilConnected } from '../mqtt/client.js';
import { deadlines } from './deadlines.js';
import { IntakeQueue, shareAck } from './intake-queue.js';
import type { OpenCircuits } from './circuits.js';
import { PresenceBook, type InstanceInfo } from './presence.js';
import { copyJson, type Envelope } from './envelope.js';
import { BusSeal, DropLog, parseJson, ReplayGuard } from './seal.js';
import { withTimeout } from './inproc.js';
import type { Activity } from '../observability/activity.js';
import type { EventIntake, Reply, RequestHandler, Transport } from './transport.js';

/** Options of the MQTT transport. */
export interface MqttTransportOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  /** Certificate authorities trusted for an `mqtts://` or `wss://` broker (default: the system roots). */
  ca?: string[];
  /** Topic namespace: everything lives under `cleave/<namespace>/`. */
  namespace: string;
  /** Unique per process: names the client id, the reply topic and the presence topic. */
  instanceId: string;
  /**
   * Sends several events of one type in one message, `{"events":[...]}` (`bus.mqtt.eventBatches`). Messages of
   * either form are read whatever this says.
   */
  eventBatches?: boolean;
  /** The deployment's bus key (`bus.key`, at least 32 characters): seals every message this process sends. */
  key: string;
  log: Logger;
  version?: string;
  /** The contract version of each module of the build; presence lists those of the modules served here. */
  contractVersions?: Record<string, string>;
  /** This host's HTTP address, published in presence (also settable later with `advertise`). */
  http?: string;
  /**
   * True when some module of the build consumes `module.event`. Such an event that reaches no subscriber
   * (MQTT 5 PUBACK "no matching subscribers": its consumers have never connected, or have not resubscribed
   * yet) stays in the outbox and is sent again; other events are simply not wanted.
   */
  consumed?: (module: string, event: string) => boolean;
}

type WireReply = { id: string } & Reply;
type Intake = { consumer: string; topic: string; queue: IntakeQueue };

const connectTimeoutMs = 5000;
/** MQTT 5 reason codes: PUBACK "no matching subscribers", DISCONNECT "session taken over". */
const noMatchingSubscribers = 16;
const sessionTakenOver = 142;

/** The most events, and about the most characters, one batch of `bus.mqtt.eventBatches` carries. */
const batchEvents = 200;
const batchChars = 64 * 1024;

export type { InstanceInfo };

/**
 * Event texts as the messages that carry them: alone, or in batches `{"events":[...]}` of consecutive events.
 * An event travels alone when it is the only one of its run, so a lone event is read by any build.
 */
function inBatches(texts: string[]): Array<{ text: string; events: number }> {
  const messages: Array<{ text: string; events: number }> = [];
  for (let start = 0; start < texts.length; ) {
    let end = start + 1;
    let chars = texts[start].length;
    while (end < texts.length && end - start < batchEvents && chars + texts[end].length < batchChars) chars += texts[end++].length;
    const events = end - start;
    messages.push({ text: events === 1 ? texts[start] : `{"events":[${texts.slice(start, end).join(',')}]}`, events });
    start = end;
  }
  return messages;
}

/**
 * The events of a message's text with the text each is stored as, when every one is an envelope of `type`:
 * the text is one envelope, or a batch `{"events":[...]}` of them. Undefined otherwise.
 */
function eventsIn(text: string, type: string): Array<{ event: Envelope; text: string }> | undefined {
  const parsed = parseJson<Envelope & { events?: unknown }>(text);
  if (!parsed || typeof parsed !== 'object') return undefined;
  if (parsed.type !== undefined || !Array.isArray(parsed.events)) return parsed.type === type ? [{ event: parsed, text }] : undefined;
  const events = parsed.events as Envelope[];
  if (events.length === 0 || !events.every((event) => event !== null && typeof event === 'object' && event.type === type)) return undefined;
  return events.map((event) => ({ event, text: JSON.stringify(event) }));
}

/** The MQTT client id of a bus instance: its persistent session on the broker. */
export const busClientId = (namespace: string, instanceId: string) => `cleave-${namespace}-${instanceId}`;

/** The topic events of `module.event` travel on. */
export const eventTopic = (namespace: string, module: string, event: string) => `cleave/${namespace}/evt/${module}/${event}`;

/**
 * The bus over an MQTT broker: requests on shared subscriptions, replies to the caller's own topic, events
 * at-least-once with the PUBACK sent only after the consumer's inbox stored them, presence as retained messages
 * cleared by the will. Requests to modules served in this process stay in-process. On an MQTT 3.1.1 broker
 * (the embedded aedes) it falls back to plain subscriptions: one replica per module.
 *
 * Every message is sealed with the bus key (see `BusSeal`); one without a valid seal, a request or event whose
 * type is not its topic's, a request past its deadline or seen before, is dropped before anything reads it.
 */
export class MqttTransport implements Transport {
  readonly kind = 'mqtt';
  readonly remote = true;
  private readonly prefix: string;
  private readonly replyTopic: string;
  private readonly presenceTopic: string;
  private readonly local = new Map<string, RequestHandler>();
  private readonly handlers = new Map<string, { module: string; handler: RequestHandler }>();
  private readonly intakes: Intake[] = [];
  private readonly pending = new Map<string, (reply: Reply) => void>();
  private readonly presence = new PresenceBook();
  private readonly startedAt = new Date().toISOString();
  private client?: MqttClient;
  /** Holds this turn's writes to the broker so they leave together (see `turnWrites`). */
  private holdWrites = () => {};
  private http?: string;
  private circuits: OpenCircuits = {};
  private activity?: Activity;
  private readonly twinsWarned = new Set<string>();
  private serving = false;
  private withdrawn = false;
  private v5 = true;
  private readonly unrouted = new Set<number>();
  private stopping = false;
  private readonly seal: BusSeal;
  private readonly replays = new ReplayGuard();
  private readonly drops: DropLog;

  constructor(private readonly options: MqttTransportOptions) {
    this.seal = new BusSeal(options.key, options.namespace);
    this.drops = new DropLog(options.log);
    this.prefix = `cleave/${options.namespace}/`;
    this.replyTopic = `${this.prefix}rep/${options.instanceId}`;
    this.presenceTopic = `${this.prefix}presence/${options.instanceId}`;
    this.http = options.http;
  }

  /** Messages dropped so far: unsealed or badly sealed, mislabelled, expired or replayed. */
  get dropped(): number {
    return this.drops.count;
  }

  /** The MQTT protocol the broker speaks: 5, or 4 (3.1.1) after a fallback. */
  get protocolVersion(): 4 | 5 {
    return this.v5 ? 5 : 4;
  }

  serve(module: string, operation: string, handler: RequestHandler): void {
    this.local.set(`${module}.${operation}`, handler);
    this.handlers.set(`${this.prefix}req/${module}/${operation}`, { module, handler });
  }

  async request(module: string, operation: string, request: Envelope, timeoutMs: number): Promise<Reply> {
    const handler = this.local.get(`${module}.${operation}`);
    if (handler) {
      const reply = await withTimeout(handler({ ...request, data: copyJson(request.data) }), timeoutMs, `${module}.${operation}`);
      return reply.ok ? { ok: true, data: copyJson(reply.data) } : reply;
    }
    if (!this.presence.hosts(module)) {
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
      const payload = this.seal.seal(JSON.stringify({ ...request, replyto: this.replyTopic }));
      this.holdWrites();
      client.publish(`${this.prefix}req/${module}/${operation}`, payload, { qos: 1, ...this.expiry(timeoutMs) }, (err) => {
        if (err) this.options.log.warn({ err, module, operation }, 'request publish failed');
      });
    });
  }

  /** Subscribes `consumer` to an event; the consumer `edge` (a kernel listener) gets every event, unshared. */
  subscribe(consumer: string, module: string, event: string, intake: EventIntake): void {
    this.intakes.push({ consumer, topic: eventTopic(this.options.namespace, module, event), queue: new IntakeQueue(intake, this.options.log) });
    const client = this.client;
    if (!client?.connected) return;
    this.subscribeIntake(client, this.intakes.length - 1).catch((err: unknown) => {
      this.options.log.error({ err, consumer, module, event }, 'subscribing to an event failed');
    });
  }

  async publish(module: string, event: string, texts: string[]): Promise<void> {
    const client = this.client;
    if (!client?.connected) throw new CleaveError('UNAVAILABLE', `MQTT broker ${brokerName(this.options.url)} is not connected`);
    const topic = eventTopic(this.options.namespace, module, event);
    const messages = this.options.eventBatches ? inBatches(texts) : texts.map((text) => ({ text, events: 1 }));
    this.holdWrites();
    const sent = corked(client, () => messages.map(({ text }) => client.publishAsync(topic, this.seal.seal(text), { qos: 1 })));
    const acks = await Promise.all(sent);
    let unrouted = 0;
    acks.forEach((ack, i) => {
      if (ack?.messageId !== undefined && this.unrouted.delete(ack.messageId)) unrouted += messages[i].events;
    });
    if (unrouted && this.options.consumed?.(module, event)) {
      throw new CleaveError('UNAVAILABLE', `${unrouted} ${module}.${event} events reached no subscriber: their consumers have not connected yet`);
    }
  }

  /**
   * Says in presence that this instance serves its modules (and HTTP at `http`). Until then its presence lists
   * no modules, so no other process routes calls here while the modules are still starting.
   */
  async advertise(http: string): Promise<void> {
    this.http = http;
    this.serving = true;
    if (this.client?.connected) await this.announce();
  }

  reportCircuits(circuits: OpenCircuits): void {
    this.circuits = circuits;
    if (!this.client?.connected || this.withdrawn) return;
    this.announce().catch((err: unknown) => this.options.log.warn({ err }, 'presence publish failed'));
  }

  async reportActivity(activity: Activity): Promise<void> {
    this.activity = activity;
    if (this.serving && this.client?.connected) await this.announce();
  }

  health(): string | undefined {
    if (this.client?.connected) return undefined;
    return `not connected to the MQTT broker ${brokerName(this.options.url)}${this.client ? '; reconnecting' : ''}`;
  }

  hosts(module: string): boolean {
    return this.presence.hosts(module);
  }

  /** The live instances known from presence, this one included. */
  instances(): InstanceInfo[] {
    return this.presence.list();
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.withdrawn = false;
    try {
      await this.connect();
    } catch (err) {
      if (!(err instanceof ConnectRefused && err.unsupportedProtocol && this.v5)) throw err;
      this.v5 = false;
      this.options.log.info({ broker: brokerName(this.options.url) }, 'the MQTT broker speaks 3.1.1 only: plain subscriptions, one replica per module');
      await this.connect();
    }
  }

  private async connect(): Promise<void> {
    const { url, namespace, instanceId, log } = this.options;
    const client = mqtt.connect(url, {
      protocolVersion: this.protocolVersion,
      clientId: busClientId(namespace, instanceId),
      clean: false,
      ...(this.v5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
      resubscribe: false,
      // Without it mqtt.js stops reconnecting for good after one refused CONNACK.
      reconnectOnConnackError: true,
      connectTimeout: connectTimeoutMs,
      ...(this.options.ca ? { ca: this.options.ca } : {}),
      will: { topic: this.presenceTopic, payload: Buffer.alloc(0), qos: 1, retain: true },
    });
    this.client = client;
    this.holdWrites = turnWrites(client);
    const acks = new OrderedAcks(client, this.holdWrites);
    client.handleMessage = (packet, callback) => {
      this.holdWrites();
      const ack = acks.take(packet);
      callback(ackLater);
      this.receive(packet, ack);
    };
    client.on('packetreceive', (packet) => {
      if (packet.cmd !== 'puback' || packet.messageId === undefined) return;
      if (packet.reasonCode === noMatchingSubscribers) this.unrouted.add(packet.messageId);
      else this.unrouted.delete(packet.messageId);
    });
    client.on('disconnect', (packet) => {
      if (packet.reasonCode !== sessionTakenOver) return;
      log.error({ instanceId }, `another process connected to the bus as instance "${instanceId}": give each process its own --instance (CLEAVE_INSTANCE)`);
    });
    client.on('error', (err) => log.debug({ err }, 'MQTT client error'));
    manageConnection(client, (reconnect) => {
      acks.flush();
      if (!reconnect) return;
      log.info({ broker: brokerName(url) }, 'MQTT reconnected');
      this.subscribeAll(client)
        .then(() => this.announce())
        .catch((err: unknown) => log.warn({ err }, 'resubscribe or presence publish failed'));
    });
    try {
      await untilConnected(client, { name: `MQTT broker ${brokerName(url)}`, hint: 'check the broker or set --mqtt-url / CLEAVE_MQTT_URL', tlsHint: 'trust its CA with --mqtt-ca / CLEAVE_MQTT_CA', timeoutMs: connectTimeoutMs });
    } catch (err) {
      client.end(true);
      this.client = undefined;
      throw err;
    }
    await this.subscribeAll(client);
    await this.announce();
    await this.presenceSettled();
  }

  /**
   * Waits until this instance's own presence comes back: brokers such as aedes send retained messages after
   * the SUBACK, and they arrive in order, so by then every other instance's presence is known.
   */
  private async presenceSettled(): Promise<void> {
    for (let waited = 0; waited < connectTimeoutMs && !this.presence.has(this.options.instanceId); waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * Takes this instance out of the deployment before it stops: its presence is cleared and its request and
   * event subscriptions dropped, so new work goes to other replicas, and events with no consumer left stay in
   * the publishers' outboxes (rather than in this instance's session, where they would wait for it). Replies to
   * its own calls still arrive, and what is in hand still finishes.
   */
  async withdraw(): Promise<void> {
    const client = this.client;
    this.serving = false;
    if (!client?.connected || this.withdrawn) return;
    this.withdrawn = true;
    await client.publishAsync(this.presenceTopic, '', { qos: 1, retain: true }).catch(() => undefined);
    const filters = [...new Set([...this.requestFilters(), ...this.intakeFilters()])];
    if (filters.length) await client.unsubscribeAsync(filters).catch(() => undefined);
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    await this.withdraw();
    await Promise.all(this.intakes.map(({ queue }) => queue.idle()));
    this.stopping = true;
    for (const resolve of [...this.pending.values()]) {
      resolve({ ok: false, error: { code: 'UNAVAILABLE', message: 'the MQTT transport stopped' } });
    }
    await client.endAsync();
    this.client = undefined;
    this.presence.clear();
  }

  /**
   * Subscribes everything, also after a resumed session: Mosquitto 2.0.11 keeps a persistent session's
   * plain subscriptions over a restart but not its shared ones. Presence first, so its retained messages
   * have arrived by the time the last SUBACK does. On MQTT 5 each event subscription carries an identifier
   * naming its intake; on 3.1.1 one plain subscription per topic feeds every intake of that topic.
   */
  private async subscribeAll(client: MqttClient): Promise<void> {
    if (this.withdrawn) return;
    await client.subscribeAsync(`${this.prefix}presence/+`, { qos: 1 });
    const filters: Record<string, { qos: 1 }> = { [this.replyTopic]: { qos: 1 } };
    for (const filter of this.requestFilters()) filters[filter] = { qos: 1 };
    if (!this.v5) for (const filter of this.intakeFilters()) filters[filter] = { qos: 1 };
    await client.subscribeAsync(filters);
    if (this.v5) for (const index of this.intakes.keys()) await this.subscribeIntake(client, index);
  }

  private async subscribeIntake(client: MqttClient, index: number): Promise<void> {
    const filter = this.intakeFilters()[index];
    const properties = this.v5 ? { properties: { subscriptionIdentifier: index + 1 } } : {};
    await client.subscribeAsync(filter, { qos: 1, ...properties });
  }

  private requestFilters(): string[] {
    return [...this.handlers].map(([topic, { module }]) => this.share(module, topic));
  }

  /** Each intake's subscription filter (the same filter may come twice on MQTT 3.1.1, where one feeds all). */
  private intakeFilters(): string[] {
    return this.intakes.map(({ consumer, topic }) => (!this.v5 || consumer === 'edge' ? topic : this.share(consumer, topic)));
  }

  private share(group: string, topic: string): string {
    return this.v5 ? `$share/${group}/${topic}` : topic;
  }

  private expiry(timeoutMs: number): { properties?: { messageExpiryInterval: number } } {
    return this.v5 ? { properties: { messageExpiryInterval: Math.max(1, Math.ceil(timeoutMs / 1000)) } } : {};
  }

  private modules(): string[] {
    return [...new Set([...this.handlers.values()].map((h) => h.module))];
  }

  private announce(): Promise<unknown> {
    const { instanceId, version } = this.options;
    const modules = this.serving ? this.modules() : [];
    const contracts = Object.fromEntries(modules.flatMap((m) => (this.options.contractVersions?.[m] ? [[m, this.options.contractVersions[m]]] : [])));
    const circuits = Object.keys(this.circuits).length ? this.circuits : undefined;
    const payload = this.seal.seal(
      JSON.stringify({ instanceId, modules, contracts, http: this.http, version, startedAt: this.startedAt, circuits, activity: this.activity }),
    );
    return this.client!.publishAsync(this.presenceTopic, payload, { qos: 1, retain: true });
  }

  private receive(packet: IPublishPacket, ack: PendingAck): void {
    const { topic } = packet;
    const message = packet.payload as Buffer;
    const rest = topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : '';
    if (rest.startsWith('evt/')) return this.deliverEvent(packet, ack);
    ack.done();
    if (rest.startsWith('rep/')) this.deliverReply(message);
    else if (rest.startsWith('req/')) void this.handleRequest(topic, message);
    else if (rest.startsWith('presence/')) this.updatePresence(rest.slice('presence/'.length), message);
  }

  /**
   * Queues each event of a message (one, or a batch) for each intake it is for; the message is acknowledged once
   * every one of them stored every event. A batch holding an event of another type is dropped whole.
   */
  private deliverEvent(packet: IPublishPacket, ack: PendingAck): void {
    const intakes = this.intakesOf(packet);
    const text = intakes.length ? this.unseal(packet.payload as Buffer, packet.topic) : undefined;
    const events = text === undefined ? undefined : eventsIn(text, packet.topic.slice(this.prefix.length + 'evt/'.length).replace('/', '.'));
    if (!events) {
      if (text !== undefined) this.drops.drop(packet.topic, 'not an event of its topic\'s type');
      return ack.done();
    }
    const shared = shareAck(ack, intakes.length * events.length);
    for (const { event, text } of events) {
      intakes.forEach(({ queue }, i) => queue.push(i === 0 ? event : { ...event, data: copyJson(event.data) }, text, shared));
    }
  }

  private intakesOf(packet: IPublishPacket): Intake[] {
    if (!this.v5) return this.intakes.filter((i) => i.topic === packet.topic);
    const ids = packet.properties?.subscriptionIdentifier ?? [];
    return (Array.isArray(ids) ? ids : [ids]).map((id) => this.intakes[id - 1]).filter((i) => i !== undefined);
  }

  private deliverReply(message: Buffer): void {
    const reply = this.open<WireReply>(message, this.replyTopic);
    if (reply) this.pending.get(reply.id)?.(reply.ok ? { ok: true, data: reply.data } : { ok: false, error: reply.error });
  }

  private async handleRequest(topic: string, message: Buffer): Promise<void> {
    const handler = this.handlers.get(topic)?.handler;
    const request = handler && this.open<Envelope>(message, topic);
    if (!handler || !request?.replyto) return;
    if (request.type !== topic.slice(this.prefix.length + 'req/'.length).replace('/', '.')) return this.drops.drop(topic, 'its type is not its topic\'s');
    if (!this.replays.admit(request.id, request.deadline)) return this.drops.drop(topic, 'a request past its deadline, or seen before');
    const reply = await handler(request).catch((err: unknown): Reply => ({ ok: false, error: CleaveError.from(err).toJSON() }));
    const left = Math.ceil((request.deadline! - Date.now()) / 1000);
    if (left <= 0 || this.stopping || !this.client) return;
    const payload = this.seal.seal(JSON.stringify({ id: request.id, ...reply }));
    this.holdWrites();
    this.client.publish(request.replyto, payload, { qos: 1, ...this.expiry(left * 1000) }, (err) => {
      if (err) this.options.log.warn({ err, request: request.id }, 'reply publish failed');
    });
  }

  private updatePresence(instanceId: string, message: Buffer): void {
    // An empty message clears a presence (the will); anything else must be sealed.
    if (message.length && !this.open(message, `presence/${instanceId}`)) return;
    const info = this.presence.update(instanceId, message);
    if (!info) {
      if (message.length) this.options.log.warn({ topic: `presence/${instanceId}` }, 'dropped a malformed MQTT message');
      return;
    }
    const twins = this.v5 || instanceId === this.options.instanceId ? [] : info.modules.filter((m) => this.modules().includes(m));
    // Presence comes again with every activity summary: say it once per instance and module set.
    const twinKey = `${instanceId} ${twins.join(',')}`;
    if (twins.length && !this.twinsWarned.has(twinKey)) {
      this.twinsWarned.add(twinKey);
      this.options.log.warn({ instance: instanceId, modules: twins }, 'another instance hosts the same modules, but an MQTT 3.1.1 broker cannot share their messages: both will handle them; use an MQTT 5 broker for replicas');
    }
  }

  private open<T>(message: Buffer, topic: string): T | undefined {
    const text = this.unseal(message, topic);
    return text === undefined ? undefined : parseJson<T>(text);
  }

  private unseal(message: Buffer, topic: string): string | undefined {
    const text = this.seal.unseal(message);
    if (text === undefined) this.drops.drop(topic, 'no valid seal (sent without the bus key, or altered)');
    return text;
  }
}
