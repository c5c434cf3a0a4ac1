import type { Logger } from 'pino';
import { kernelPrincipal } from '../bus/access.js';
import type { Bus } from '../bus/bus.js';
import type { Principal } from '../bus/envelope.js';
import { CleaveError } from '../errors.js';
import { maxTopicLength, type DeviceErrorReport, type DeviceMessage, type DeviceRejection, type DeviceResult } from '../kernel/device-ports.js';
import type { Metrics } from '../observability/metrics.js';
import { Batcher } from './batcher.js';
import type { ListenerPorts, Target, TopicRoute } from './ports.js';
import { DeviceRateLimit } from './rate-limit.js';
import { groupTraced } from './traced-group.js';
import { deviceTree, errorsKind, errorsTopic, filterWithin, matchKind } from './topics.js';

export interface DispatcherOptions {
  bus: Bus;
  ports: ListenerPorts;
  log: Logger;
  metrics: Metrics;
  maxPayloadBytes: number;
  /** Messages one device may send a second (a batch counts as one); the excess is refused. */
  maxMessagesPerSecond: number;
  batch: { maxMessages: number; lingerMs: number };
  /** Sends a message to a device (its `errors` topic). */
  sendToDevice(topic: string, payload: string): void;
}

/** A device published outside its own topic tree: the broker closes its connection. */
export class TopicNotAllowed extends Error {
  override name = 'TopicNotAllowed';
}

/** A refusal the listener decides before any module sees the message. */
type Refusal = Extract<DeviceResult, { accepted: false }>;

const edgePrincipal: Principal = kernelPrincipal('edge');
const seenEveryMs = 10_000;
/** How much of a refused payload is handed to `deviceRejections`. */
const excerptLength = 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The broker-independent core of the device listener, an MQTT adapter that knows no topic kind and no payload:
 * it checks credentials through `deviceAuth`, matches each publish once against the kinds modules declared,
 * hands accepted messages in groups to the operation behind their kind, records every refusal (its own and the
 * modules') in groups through `deviceRejections`, reports refusals on the device's `errors` topic, and keeps
 * presence up to date through `devicePresence`. `handle` resolves only after the operation replied and any
 * refusal was recorded, so the broker acknowledges a QoS 1 message only once nothing of it can be lost.
 */
export class DeviceDispatcher {
  private readonly operations = new Map<string, Batcher<DeviceMessage, DeviceResult>>();
  private readonly rejections: Batcher<DeviceRejection, unknown>;
  private readonly lastSeen = new Map<string, number>();
  private readonly rateLimit: DeviceRateLimit;
  private readonly inHand = new Set<Promise<void>>();
  private readonly unsupported: string;

  constructor(private readonly options: DispatcherOptions) {
    const { ports } = options;
    this.rateLimit = new DeviceRateLimit(options.maxMessagesPerSecond);
    for (const route of ports.topics) {
      const key = targetKey(route);
      if (!this.operations.has(key)) this.operations.set(key, this.batcher<DeviceMessage, DeviceResult>(route, 'messages', 'results'));
    }
    this.rejections = this.batcher<DeviceRejection, unknown>(ports.deviceRejections, 'rejections');
    const kinds = ports.topics.map((route) => route.kind);
    this.unsupported = kinds.length
      ? `devices publish on ${deviceTree('<their id>')} followed by ${kinds.join(', ')} (+ is any one level)`
      : 'no module of this build takes device messages';
  }

  /** True when the device's credentials are good. Never throws for bad credentials. */
  async authenticate(deviceId: string, secret: string): Promise<boolean> {
    const { ok } = (await this.call(this.options.ports.deviceAuth, { deviceId, secret: secret.slice(0, 256) })) as { ok: boolean };
    return ok;
  }

  /** Records that a device came online or went offline; failures are logged, never thrown. */
  presence(deviceId: string, online: boolean): Promise<void> {
    if (online) this.lastSeen.set(deviceId, Date.now());
    else {
      this.lastSeen.delete(deviceId);
      this.rateLimit.forget(deviceId);
    }
    return this.call(this.options.ports.devicePresence, { deviceId, online, at: new Date().toISOString() }).then(
      () => undefined,
      (err: unknown) => this.options.log.warn({ err, deviceId }, 'could not record device presence'),
    );
  }

  /** The topics a device may subscribe to: its own `errors`, and the kinds modules send on (and filters inside them). */
  maySubscribe(deviceId: string, filter: string): boolean {
    const tree = deviceTree(deviceId);
    if (!filter.startsWith(tree)) return false;
    const rest = filter.slice(tree.length);
    return rest === errorsKind || this.options.ports.outboxKinds.some((kind) => filterWithin(rest, kind));
  }

  /** True for a topic Cleave itself publishes to devices (`errors` and the outbox kinds), which is not ingested. */
  sentByCleave(deviceId: string, topic: string): boolean {
    return topic === errorsTopic(deviceId) || this.options.ports.outboxKinds.some((kind) => filterWithin(topic.slice(deviceTree(deviceId).length), kind));
  }

  /**
   * Handles one publish of a device. Resolves once the operation behind its kind replied, and a refusal was
   * recorded; rejects when either failed (the broker must then not acknowledge) or with TopicNotAllowed.
   */
  handle(deviceId: string, topic: string, payload: Buffer, retain: boolean): Promise<void> {
    const tree = deviceTree(deviceId);
    if (!topic.startsWith(tree)) return Promise.reject(new TopicNotAllowed(`device "${deviceId}" may not publish to "${topic}"`));
    const handled = this.dispatch(deviceId, topic, topic.slice(tree.length), payload, retain);
    this.inHand.add(handled);
    const forget = () => void this.inHand.delete(handled);
    handled.then(forget, forget);
    return handled;
  }

  /** Waits for messages in hand to be handed over and their refusals recorded. */
  async drained(): Promise<void> {
    while (this.inHand.size) await Promise.allSettled([...this.inHand]);
  }

  private async dispatch(deviceId: string, topic: string, rest: string, payload: Buffer, retain: boolean): Promise<void> {
    const rate = this.rateLimit.take(deviceId);
    if (rate === 'drop') return void this.options.metrics.edgeMessages.inc({ outcome: 'rate_limited' });
    const marking = this.seen(deviceId);
    if (marking) await marking;
    const receivedAt = Date.now();
    const refused = (refusal: Omit<Refusal, 'accepted'>, text?: string) => this.refuse({ deviceId, topic, receivedAt }, { accepted: false, ...refusal }, text);
    if (rate === 'refuse') {
      const perSecond = this.rateLimit.perSecond;
      return refused({ code: 'RATE_LIMITED', reason: `over ${perSecond} messages a second; messages past that are refused, and this is said at most once a second` });
    }
    if (topic.length > maxTopicLength) {
      return refused({ code: 'UNSUPPORTED_TOPIC', reason: `a topic of ${topic.length} characters is over the limit of ${maxTopicLength}` });
    }
    if (topic.includes('\u0000')) return refused({ code: 'UNSUPPORTED_TOPIC', reason: 'a topic may not hold the NUL character' });
    if (retain) return refused({ code: 'RETAIN_NOT_ALLOWED', reason: 'retained messages are not accepted; publish with retain=false' });
    if (payload.length > this.options.maxPayloadBytes) {
      return refused({ code: 'PAYLOAD_TOO_LARGE', reason: `payload of ${payload.length} bytes is over the limit of ${this.options.maxPayloadBytes}` });
    }
    let text: string;
    try {
      text = utf8.decode(payload);
    } catch {
      return refused({ code: 'MALFORMED_JSON', reason: 'payload is not UTF-8 text' });
    }
    const found = this.route(rest);
    if (!found) return refused({ code: 'UNSUPPORTED_TOPIC', reason: `${topic}: unsupported topic; ${this.unsupported}` }, text);
    const message: DeviceMessage = { deviceId, kind: found.route.kind, levels: found.levels, receivedAt, payload: text };
    const result = await this.operations.get(targetKey(found.route))!.add(message);
    // Accepted messages are counted per group, by the batcher.
    if (!result.accepted) return this.refuse({ deviceId, topic, receivedAt }, result, text);
  }

  /** The declared kind matching `rest` (the topic inside the device tree), and the levels its `+` matched. */
  private route(rest: string): { route: TopicRoute; levels: string[] } | undefined {
    const levels = rest.split('/');
    for (const route of this.options.ports.topics) {
      const matched = matchKind(route.levels, levels);
      if (matched) return { route, levels: matched };
    }
    return undefined;
  }

  /** Records a refusal through `deviceRejections`, then tells the device on its `errors` topic. */
  private async refuse(at: Pick<DeviceRejection, 'deviceId' | 'topic' | 'receivedAt'>, refusal: Refusal, text?: string): Promise<void> {
    const { deviceId, topic, receivedAt } = at;
    const cut = topic.length > maxTopicLength ? `${topic.slice(0, maxTopicLength - 1)}…` : topic;
    const rejection: DeviceRejection = { deviceId, topic: cut, code: refusal.code, reason: refusal.reason, receivedAt };
    if (text !== undefined) rejection.payload = text.slice(0, excerptLength);
    await this.rejections.add(rejection);
    this.options.metrics.edgeMessages.inc({ outcome: 'rejected' });
    const report: DeviceErrorReport = { id: refusal.id ?? null, code: refusal.code, reason: refusal.reason };
    this.options.sendToDevice(errorsTopic(deviceId), JSON.stringify(report));
  }

  /** Every `seenEveryMs` a message marks its device online, before the message is handed over. */
  private seen(deviceId: string): Promise<void> | undefined {
    const last = this.lastSeen.get(deviceId) ?? 0;
    return Date.now() - last >= seenEveryMs ? this.presence(deviceId, true) : undefined;
  }

  /** A group commit to one operation: `field` names the list in its input, `results` the list in its output. */
  private batcher<I, R>(target: Target, field: string, results?: string): Batcher<I, R> {
    const { batch, metrics } = this.options;
    return new Batcher<I, R>(
      async (items) => {
        const output = (await groupTraced(targetKey(target), items.length, () => this.call(target, { [field]: items }))) as Record<string, R[]>;
        if (!results) return items.map(() => undefined as R);
        if (output[results]?.length !== items.length) {
          throw new CleaveError('INTERNAL', `${targetKey(target)} answered ${output[results]?.length ?? 'no'} results for ${items.length} messages`);
        }
        metrics.edgeBatchSize.observe(items.length);
        const accepted = output[results].filter((result) => (result as DeviceResult).accepted).length;
        if (accepted) metrics.edgeMessages.inc({ outcome: 'accepted' }, accepted);
        return output[results];
      },
      { maxItems: batch.maxMessages, lingerMs: batch.lingerMs, maxInFlight: 2 },
    );
  }

  private call(target: Target, input: unknown): Promise<unknown> {
    return this.options.bus.call(target.module, target.operation, input, { principal: edgePrincipal });
  }
}

const targetKey = (target: Target) => `${target.module}.${target.operation}`;
