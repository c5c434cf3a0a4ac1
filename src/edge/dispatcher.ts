import type { Logger } from 'pino';
import { kernelPrincipal } from '../bus/access.js';
import type { Bus } from '../bus/bus.js';
import type { Principal } from '../bus/envelope.js';
import type { Metrics } from '../observability/metrics.js';
import { Batcher } from './batcher.js';
import { DeviceRateLimit } from './rate-limit.js';
import { maxTopicLength, type DeviceMessage, type IngestResult, type RejectionCode } from './capabilities.js';
import { errorsTopic, parseDeviceTopic } from './topics.js';

/** Module operations the dispatcher calls, found through the modules' `provides`. */
export interface EdgeProviders {
  deviceAuth: { module: string; operation: string };
  devicePresence: { module: string; operation: string };
  ingest: { module: string; operation: string };
}

export interface DispatcherOptions {
  bus: Bus;
  providers: EdgeProviders;
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

const edgePrincipal: Principal = kernelPrincipal('edge');
const seenEveryMs = 10_000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The broker-independent core of the edge listener: checks device credentials, turns each accepted publish
 * into a device message, commits messages in groups through the module that provides `ingest`, reports
 * refused ones on the device's `errors` topic, and keeps presence up to date. `handle` resolves only after
 * the commit, so the broker acknowledges a QoS 1 message only once its data is stored.
 */
export class DeviceDispatcher {
  private readonly batcher: Batcher<DeviceMessage, IngestResult>;
  private readonly lastSeen = new Map<string, number>();
  private readonly rateLimit: DeviceRateLimit;

  constructor(private readonly options: DispatcherOptions) {
    const { bus, providers, batch } = options;
    this.rateLimit = new DeviceRateLimit(options.maxMessagesPerSecond);
    this.batcher = new Batcher(
      async (messages) => {
        const { results } = (await bus.call(providers.ingest.module, providers.ingest.operation, { messages }, { principal: edgePrincipal })) as {
          results: IngestResult[];
        };
        options.metrics.edgeBatchSize.observe(messages.length);
        return results;
      },
      { maxItems: batch.maxMessages, lingerMs: batch.lingerMs, maxInFlight: 2 },
    );
  }

  /** True when the device's credentials are good. Never throws for bad credentials. */
  async authenticate(deviceId: string, secret: string): Promise<boolean> {
    const { module, operation } = this.options.providers.deviceAuth;
    const { ok } = (await this.options.bus.call(module, operation, { deviceId, secret: secret.slice(0, 256) }, { principal: edgePrincipal })) as { ok: boolean };
    return ok;
  }

  /** Records that a device came online or went offline; failures are logged, never thrown. */
  presence(deviceId: string, online: boolean): void {
    const { module, operation } = this.options.providers.devicePresence;
    if (online) this.lastSeen.set(deviceId, Date.now());
    else {
      this.lastSeen.delete(deviceId);
      this.rateLimit.forget(deviceId);
    }
    this.options.bus
      .call(module, operation, { deviceId, online, at: new Date().toISOString() }, { principal: edgePrincipal })
      .catch((err) => this.options.log.warn({ err, deviceId }, 'could not record device presence'));
  }

  /**
   * Handles one publish of a device. Resolves once it is committed or recorded as refused; rejects when the
   * commit failed (the broker must then not acknowledge) or with TopicNotAllowed.
   */
  async handle(deviceId: string, topic: string, payload: Buffer, retain: boolean): Promise<void> {
    const parsed = parseDeviceTopic(deviceId, topic);
    if (!parsed) throw new TopicNotAllowed(`device "${deviceId}" may not publish to "${topic}"`);
    const rate = this.rateLimit.take(deviceId);
    if (rate === 'drop') return void this.options.metrics.edgeMessages.inc({ outcome: 'rate_limited' });
    const message: DeviceMessage = { deviceId, topic, receivedAt: Date.now() };
    const refuse = (code: RejectionCode, reason: string) => (message.refused = { code, reason });
    if (rate === 'refuse') {
      const perSecond = this.rateLimit.perSecond;
      refuse('RATE_LIMITED', `over ${perSecond} messages a second; messages past that are refused, and this is said at most once a second`);
    } else if (topic.length > maxTopicLength) {
      message.topic = `${topic.slice(0, maxTopicLength - 1)}…`;
      refuse('UNSUPPORTED_TOPIC', `a topic of ${topic.length} characters is over the limit of ${maxTopicLength}`);
    } else if (topic.includes('\u0000')) refuse('UNSUPPORTED_TOPIC', 'a topic may not hold the NUL character');
    else if (retain) refuse('RETAIN_NOT_ALLOWED', 'retained messages are not accepted; publish with retain=false');
    else if (payload.length > this.options.maxPayloadBytes) {
      refuse('PAYLOAD_TOO_LARGE', `payload of ${payload.length} bytes is over the limit of ${this.options.maxPayloadBytes}`);
    } else {
      try {
        message.payload = utf8.decode(payload);
      } catch {
        refuse('MALFORMED_JSON', 'payload is not UTF-8 text');
      }
    }
    if (parsed.kind === 'status' && !message.refused) {
      if (this.status(deviceId, message.payload!)) return;
      refuse('INVALID_PAYLOAD', 'a status message must be {"online": true} or {"online": false}');
    }
    this.seen(deviceId);
    const result = await this.batcher.add(message);
    this.options.metrics.edgeMessages.inc({ outcome: result.accepted ? 'accepted' : 'rejected' });
    if (!result.accepted) {
      const report = JSON.stringify({ id: result.id ?? null, code: result.code, reason: result.reason });
      this.options.sendToDevice(errorsTopic(deviceId), report);
    }
  }

  /** Waits for messages in hand to be committed. */
  drained(): Promise<void> {
    return this.batcher.drained();
  }

  /** A valid status message (`{ "online": boolean }`) becomes presence; anything else is ingested and refused. */
  private status(deviceId: string, payload: string): boolean {
    try {
      const body = JSON.parse(payload) as { online?: unknown };
      if (typeof body?.online !== 'boolean') return false;
      this.presence(deviceId, body.online);
      return true;
    } catch {
      return false;
    }
  }

  private seen(deviceId: string): void {
    const last = this.lastSeen.get(deviceId) ?? 0;
    if (Date.now() - last >= seenEveryMs) this.presence(deviceId, true);
  }
}
