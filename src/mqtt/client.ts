import type { MqttClient } from 'mqtt';
import { CleaveError } from '../errors.js';

/**
 * The address of a broker URL without its credentials (`mqtt://host:port`): the only form of a broker URL that
 * goes into a log line or an error message.
 */
export const brokerName = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
};

/** The broker refused the CONNECT; `code` is its CONNACK code (1 or 132: it does not speak that protocol). */
export class ConnectRefused extends CleaveError {
  constructor(
    readonly returnCode: number,
    message: string,
  ) {
    super('UNAVAILABLE', message);
  }

  /** True when the broker does not speak the MQTT version asked for (3.1.1 code 1, MQTT 5 code 0x84). */
  get unsupportedProtocol(): boolean {
    return this.returnCode === 1 || this.returnCode === 132;
  }
}

/** What failed in a TLS handshake: the peer's certificate (untrusted, expired, another name) or the protocol. */
export function tlsFailure(err: { code?: unknown }): 'certificate' | 'protocol' | undefined {
  if (typeof err.code !== 'string') return undefined;
  if (/CERT|SELF_SIGNED|UNABLE_TO_/.test(err.code)) return 'certificate';
  return /^ERR_SSL_|^ERR_TLS_/.test(err.code) ? 'protocol' : undefined;
}

/**
 * Waits for the first CONNACK. Rejects with `ConnectRefused` when the broker refuses; with UNAVAILABLE naming the
 * broker when TLS fails, and `tlsHint` (which CA to trust) when its certificate is not trusted; or with UNAVAILABLE
 * naming the broker and `hint` (where to set its URL) when it does not answer within `timeoutMs`.
 */
export function untilConnected(client: MqttClient, options: { name: string; hint: string; tlsHint?: string; timeoutMs: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => {
      settle(new CleaveError('UNAVAILABLE', `cannot reach ${options.name} within ${options.timeoutMs / 1000} s: ${options.hint}`));
    }, options.timeoutMs);
    const onConnect = () => settle();
    const onError = (err: Error & { code?: unknown }) => {
      if (typeof err.code === 'number') return settle(new ConnectRefused(err.code, `${options.name} refused the connection: ${err.message}; ${options.hint}`));
      const failure = tlsFailure(err);
      const hint = failure === 'certificate' ? (options.tlsHint ?? options.hint) : options.hint;
      if (failure) settle(new CleaveError('UNAVAILABLE', `TLS with ${options.name} failed: ${err.message}; ${hint}`));
    };
    client.on('connect', onConnect);
    client.on('error', onError);
  });
}

/**
 * Turns Nagle's algorithm off on the client's current connection. mqtt.js leaves it on: a packet sent while the
 * last one's bytes are unacknowledged by TCP then waits for the peer's next write (a request/reply stalls ~40 ms
 * on delayed ACKs; a device's next publish waits for the acknowledgements of a whole commit group).
 */
export const noDelay = (client: MqttClient) => (client.stream as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);

/**
 * Replaces mqtt.js' fixed reconnect period with exponential backoff and full jitter, turns Nagle's algorithm
 * off on every connection (mqtt.js leaves it on: a request/reply then stalls ~40 ms on delayed ACKs), and calls
 * `onConnect` with whether the connection is a reconnect.
 */
export function manageConnection(
  client: MqttClient,
  onConnect: (reconnect: boolean) => void = () => undefined,
  backoff = { baseMs: 200, maxMs: 10_000 },
): void {
  let attempts = 0;
  const retry = () => {
    attempts += 1;
    const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempts - 1, 16));
    client.options.reconnectPeriod = Math.round(ceiling * (0.5 + Math.random() * 0.5));
  };
  client.options.reconnectPeriod = backoff.baseMs;
  client.on('offline', retry);
  client.on('reconnect', retry);
  client.on('connect', () => {
    noDelay(client);
    const reconnect = attempts > 0;
    attempts = 0;
    client.options.reconnectPeriod = backoff.baseMs;
    onConnect(reconnect);
  });
}

/**
 * Runs `write` with the client's socket corked, so the packets it writes leave in one system call: with Nagle's
 * algorithm off, each packet would otherwise be a write of its own.
 */
export function corked<T>(client: MqttClient, write: () => T): T {
  const stream = client.stream as { cork?: () => void; uncork?: () => void };
  stream.cork?.();
  try {
    return write();
  } finally {
    stream.uncork?.();
  }
}

/**
 * Holds a client's writes until the end of this turn of the event loop (its check phase), so that what the turn
 * sends leaves in one system call: the acknowledgement of a request and the reply its handler made meanwhile, an
 * acknowledgement and the next call a caller made on receiving the reply, or the calls of many callers. Call the
 * returned function whenever a turn is about to write; later calls in the same turn do nothing. The socket's
 * writes were a fifth of the CPU profile of the bus benchmark, and each one wakes the broker once more.
 */
export function turnWrites(client: MqttClient): () => void {
  let held: { uncork(): void } | undefined;
  const release = () => {
    const stream = held;
    held = undefined;
    stream?.uncork();
  };
  return () => {
    if (held) return;
    const stream = client.stream as { cork?: () => void; uncork?: () => void; destroyed?: boolean };
    if (!stream.cork || !stream.uncork || stream.destroyed) return;
    stream.cork();
    held = stream as { uncork(): void };
    setImmediate(release);
  };
}
