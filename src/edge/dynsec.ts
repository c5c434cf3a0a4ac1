import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { CleaveError } from '../errors.js';
import { brokerName } from '../mqtt/client.js';

/** One command of Mosquitto's dynamic-security API, e.g. `{ command: 'createClient', username, password }`. */
export type DynsecCommand = { command: string } & Record<string, unknown>;
/** The plugin's answer to one command: `error` is set when it failed. */
export interface DynsecResponse {
  command: string;
  error?: string;
  data?: unknown;
}

const commandTopic = '$CONTROL/dynamic-security/v1';
const responseTopic = '$CONTROL/dynamic-security/v1/response';
const defaultTimeoutMs = 5000;

/** The URL without its credentials, and the credentials (percent-decoded). */
export function splitCredentials(url: string): { url: string; username?: string; password?: string } {
  const parsed = new URL(url);
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), username, password };
}

/**
 * A client of Mosquitto's dynamic-security plugin: sends commands on `$CONTROL/dynamic-security/v1` as the
 * user named in the broker URL (the plugin's admin) and matches the answers by correlation data. It connects
 * on first use, and never again once closed. Commands are sent at QoS 0 and only while connected, so one that timed out is never replayed
 * later by the client; the plugin's answer is the confirmation.
 */
export class DynsecClient {
  private client?: Promise<MqttClient>;
  private closed = false;
  private readonly pending = new Map<string, (response: DynsecResponse) => void>();

  constructor(
    private readonly options: { url: string; clientId: string; log: Logger; timeoutMs?: number; ca?: string[] },
  ) {}

  /** Runs commands in one message; resolves with one response per command, in order. */
  async run(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
    const timeoutMs = this.options.timeoutMs ?? defaultTimeoutMs;
    const ids = commands.map(() => randomUUID());
    const answers = ids.map((id) => new Promise<DynsecResponse>((resolve) => this.pending.set(id, resolve)));
    let timer: NodeJS.Timeout | undefined;
    const expiry = { expired: false };
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expiry.expired = true;
        reject(this.unavailable(`did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const send = this.send(commands.map((c, i) => ({ ...c, correlationData: ids[i] })), expiry);
      return await Promise.race([send.then(() => Promise.all(answers)), timeout]);
    } finally {
      clearTimeout(timer);
      for (const id of ids) this.pending.delete(id);
    }
  }

  /**
   * Sends commands that change this client's own user, after which Mosquitto disconnects every connection of
   * that user, this one included, before it answers; resolves once disconnected (the client then reconnects).
   */
  async runAndBeDisconnected(commands: DynsecCommand[]): Promise<void> {
    const client = await this.connect();
    const disconnected = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.timeoutMs ?? defaultTimeoutMs);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.send(commands);
    await disconnected;
  }

  private async send(commands: DynsecCommand[], expiry = { expired: false }): Promise<void> {
    const client = await this.connect();
    if (!client.connected) await this.reconnected(client);
    if (expiry.expired) return;
    await client.publishAsync(commandTopic, JSON.stringify({ commands }), { qos: 0 });
  }

  /** Closes the connection for good: later commands fail with UNAVAILABLE instead of connecting again. */
  async close(): Promise<void> {
    this.closed = true;
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    await client?.endAsync(true);
  }

  /** An UNAVAILABLE error naming the broker. */
  unavailable(what: string): CleaveError {
    return new CleaveError('UNAVAILABLE', `the device broker ${brokerName(this.options.url)} ${what}`);
  }

  /** Waits for mqtt.js to reconnect a dropped connection (Mosquitto drops it when the admin's roles change). */
  private reconnected(client: MqttClient): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('connect', onConnect);
        reject(this.unavailable('is not connected'));
      }, this.options.timeoutMs ?? defaultTimeoutMs);
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once('connect', onConnect);
    });
  }

  private connect(): Promise<MqttClient> {
    if (this.closed) return Promise.reject(this.unavailable('is not used any more: this process is stopping'));
    this.client ??= this.open().catch((err: unknown) => {
      this.client = undefined;
      throw this.unavailable(`cannot be reached for dynamic security: ${(err as Error).message}`);
    });
    return this.client;
  }

  private async open(): Promise<MqttClient> {
    const { url, username, password } = splitCredentials(this.options.url);
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 5,
      clientId: this.options.clientId,
      username,
      password,
      connectTimeout: this.options.timeoutMs ?? defaultTimeoutMs,
      reconnectPeriod: 250,
      reconnectOnConnackError: true,
      queueQoSZero: false,
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    }, false);
    client.on('error', (err) => this.options.log.debug({ err }, 'dynamic-security client error'));
    client.on('message', (_topic, payload) => this.answer(payload));
    try {
      await client.subscribeAsync(responseTopic, { qos: 1 });
    } catch (err) {
      client.end(true);
      throw err;
    }
    return client;
  }

  private answer(payload: Buffer): void {
    try {
      const { responses } = JSON.parse(payload.toString('utf8')) as { responses?: Array<DynsecResponse & { correlationData?: string }> };
      for (const { correlationData, ...response } of responses ?? []) {
        if (correlationData) this.pending.get(correlationData)?.(response);
      }
    } catch (err) {
      this.options.log.warn({ err }, 'dropped a malformed dynamic-security response');
    }
  }
}
