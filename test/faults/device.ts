import mqtt, { type MqttClient } from 'mqtt';

/** One telemetry message of the scenario; `seq` identifies it and is also a metric, so a stored copy names it. */
export interface Message {
  seq: number;
  ts: number;
  temp: number;
}

export interface DeviceOptions {
  edgePort: number;
  id: string;
  secret: string;
  /** Messages per second, at most. */
  rate: number;
  /** Messages published and not yet acknowledged, at most. */
  window: number;
  /** A message without its PUBACK this long means a dead connection: reconnect and resend. */
  ackTimeoutMs: number;
}

const reconnectMs = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A device as firmware behaves: publishes each message at QoS 1 with a unique `id` and `ts`, keeps those not yet
 * acknowledged, and after any disruption (closed connection, refused connect, missing PUBACK) reconnects and
 * resends them first. Counts what it sent, what it resent and which messages were acknowledged.
 */
export class Device {
  /** Messages published at least once. */
  sent = 0;
  /** Publishes of a message already published before. */
  resent = 0;
  /** Connections lost or refused. */
  disruptions = 0;
  readonly acknowledged = new Set<number>();
  private readonly inFlight = new Map<number, { message: Message; since: number }>();
  private readonly retry: Message[] = [];
  private readonly everSent = new Set<number>();
  private client?: MqttClient;
  /** No connect before this time: a device backs off after a disruption. */
  private quietUntil = 0;

  constructor(private readonly options: DeviceOptions) {}

  /** Publishes every message (at the rate) and resolves once each is acknowledged, or rejects after `deadlineMs`. */
  async publishAll(messages: Message[], deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    const start = performance.now();
    let next = 0;
    try {
      while (next < messages.length || this.retry.length || this.inFlight.size) {
        if (Date.now() > deadline) throw new Error(`${messages.filter((m) => !this.acknowledged.has(m.seq)).length} messages still unacknowledged`);
        const client = await this.connected();
        if (!client) continue;
        if (this.stalled()) {
          this.drop(client);
          continue;
        }
        const due = Math.min(messages.length, Math.floor(((performance.now() - start) / 1000) * this.options.rate) + 1);
        const message = this.inFlight.size >= this.options.window ? undefined : (this.retry.shift() ?? (next < due ? messages[next++] : undefined));
        if (message) this.publish(client, message);
        else await sleep(5);
      }
    } finally {
      const client = this.client;
      this.client = undefined;
      await client?.endAsync(true);
    }
  }

  private async connected(): Promise<MqttClient | undefined> {
    if (this.client?.connected) return this.client;
    await sleep(this.quietUntil - Date.now());
    const { edgePort, id, secret } = this.options;
    try {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${edgePort}`, {
        clientId: id, username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000,
      });
      client.on('error', () => undefined);
      client.once('close', () => this.drop(client));
      this.client = client;
      return client;
    } catch {
      this.disruptions++;
      this.quietUntil = Date.now() + reconnectMs;
      return undefined;
    }
  }

  private publish(client: MqttClient, message: Message): void {
    if (this.everSent.has(message.seq)) this.resent++;
    else {
      this.everSent.add(message.seq);
      this.sent++;
    }
    this.inFlight.set(message.seq, { message, since: Date.now() });
    const payload = JSON.stringify({ id: `m${message.seq}`, ts: message.ts, metrics: { seq: message.seq, temp: message.temp } });
    client.publish(`v1/devices/${this.options.id}/telemetry`, payload, { qos: 1 }, (err) => {
      if (err || client !== this.client) return;
      this.inFlight.delete(message.seq);
      this.acknowledged.add(message.seq);
    });
  }

  private stalled(): boolean {
    const oldest = this.inFlight.values().next().value;
    return !!oldest && Date.now() - oldest.since > this.options.ackTimeoutMs;
  }

  /** Gives up a connection: what it had in flight is resent first, in order, on the next one. */
  private drop(client: MqttClient): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.disruptions++;
    this.quietUntil = Date.now() + reconnectMs;
    this.retry.unshift(...[...this.inFlight.values()].map((entry) => entry.message).sort((a, b) => a.seq - b.seq));
    this.inFlight.clear();
    client.end(true);
  }
}
