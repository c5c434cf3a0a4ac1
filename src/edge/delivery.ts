import type { Logger } from 'pino';
import { kernelPrincipal } from '../bus/access.js';
import type { Bus } from '../bus/bus.js';
import type { Envelope } from '../bus/envelope.js';
import { topicRoot, type PendingMessage } from '../kernel/device-ports.js';

/** A module's outbox to devices, as it declares it in `ports.deviceOutbox`. */
export interface OutboxRoute {
  module: string;
  /** The topic kind under the device's tree, an MQTT filter such as `commands/+`. */
  kind: string;
  pending: string;
  delivered: string;
  ready: string;
}

export interface DeliveryOptions {
  bus: Bus;
  outboxes: OutboxRoute[];
  log: Logger;
  /** Publishes to a device at QoS 1; false when the device is not connected to this listener. */
  send(deviceId: string, topic: string, payload: string): boolean;
}

const principal = kernelPrincipal('edge');

/**
 * Delivers what modules queue for devices. Guarantee: each message a module lists as pending for a connected
 * device is published to it at QoS 1, oldest first, once per connection, and reported `delivered` to its module
 * once the device acknowledges it; one not acknowledged goes again when the device subscribes again or reconnects.
 * A module's `ready` event, or the device subscribing to an outbox kind, starts a round.
 */
export class DeviceDelivery {
  /** Per device: what was sent on this connection and is still pending at its module, by topic and payload. */
  private readonly sent = new Map<string, Map<string, { route: OutboxRoute; id: string; acked: boolean }>>();
  /** Per device: the round in progress, and whether another was asked for meanwhile. */
  private readonly rounds = new Map<string, { again: boolean }>();

  constructor(private readonly options: DeliveryOptions) {}

  /** Takes every outbox's `ready` events (a kernel listener gets each event, unshared). */
  listen(): void {
    for (const route of this.options.outboxes) {
      this.options.bus.transport.subscribe('edge', route.module, route.ready, async (events: Envelope[]) => {
        for (const event of events) this.wanted((event.data as { deviceId: string }).deviceId);
      });
    }
  }

  /** True when a device's subscription filter (absolute) may receive messages of some outbox. */
  covers(deviceId: string, filter: string): boolean {
    const own = `${topicRoot}/${deviceId}/`;
    if (!filter.startsWith(own)) return false;
    const levels = filter.slice(own.length).split('/');
    return this.options.outboxes.some((route) => overlaps(levels, route.kind.split('/')));
  }

  /** Sends a device what waits for it, unless it is already being sent; a round asked for meanwhile runs next. */
  wanted(deviceId: string): void {
    const round = this.rounds.get(deviceId);
    if (round) return void (round.again = true);
    const state = { again: false };
    this.rounds.set(deviceId, state);
    const run = async (): Promise<void> => {
      do {
        state.again = false;
        for (const route of this.options.outboxes) await this.round(deviceId, route);
      } while (state.again);
    };
    run()
      .catch((err: unknown) => this.options.log.warn({ err, deviceId }, 'could not send queued messages to a device; they go on its next subscription'))
      .finally(() => this.rounds.delete(deviceId));
  }

  /** The device subscribed to an outbox kind: what it did not acknowledge may now reach it, so it goes again. */
  subscribed(deviceId: string): void {
    const sent = this.sent.get(deviceId);
    for (const [key, entry] of sent ?? []) if (!entry.acked) sent!.delete(key);
    this.wanted(deviceId);
  }

  /** The device acknowledged a message: its module learns it was delivered. */
  acknowledged(deviceId: string, topic: string, payload: string): void {
    const entry = this.sent.get(deviceId)?.get(`${topic}\n${payload}`);
    if (!entry || entry.acked) return;
    entry.acked = true;
    const { route, id } = entry;
    this.options.bus
      .call(route.module, route.delivered, { deviceId, id }, { principal })
      .catch((err: unknown) => this.options.log.warn({ err, deviceId, id }, 'a delivery was not recorded; the message goes again on the next subscription'));
  }

  /** The device disconnected: what it did not acknowledge goes again on its next subscription. */
  forget(deviceId: string): void {
    this.sent.delete(deviceId);
  }

  private async round(deviceId: string, route: OutboxRoute): Promise<void> {
    const { messages } = (await this.options.bus.call(route.module, route.pending, { deviceId }, { principal })) as { messages: PendingMessage[] };
    let sent = this.sent.get(deviceId);
    // What the module no longer lists (answered, expired, cancelled) is forgotten.
    const listed = new Set(messages.map((message) => message.id));
    for (const [key, entry] of sent ?? []) if (entry.route === route && !listed.has(entry.id)) sent!.delete(key);
    for (const message of messages) {
      if (!matches(route.kind.split('/'), message.topic.split('/'))) {
        this.options.log.warn({ module: route.module, deviceId, topic: message.topic }, `a pending message is outside the outbox's kind "${route.kind}"; not sent`);
        continue;
      }
      const topic = `${topicRoot}/${deviceId}/${message.topic}`;
      const key = `${topic}\n${message.payload}`;
      if (sent?.has(key)) continue;
      if (!this.options.send(deviceId, topic, message.payload)) return;
      if (!sent) this.sent.set(deviceId, (sent = new Map()));
      sent.set(key, { route, id: message.id, acked: false });
    }
  }
}

/** True when the topic's levels match the filter's (`+` one level, `#` the rest). */
function matches(filter: string[], topic: string[]): boolean {
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === '#') return true;
    if (topic[i] === undefined || (filter[i] !== '+' && filter[i] !== topic[i])) return false;
  }
  return filter.length === topic.length;
}

/** True when some topic matches both filters (levels split on `/`; `+` one level, `#` the rest). */
function overlaps(a: string[], b: string[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === '#' || b[i] === '#') return true;
    if (a[i] === undefined || b[i] === undefined) return false;
    if (a[i] !== '+' && b[i] !== '+' && a[i] !== b[i]) return false;
  }
  return true;
}
