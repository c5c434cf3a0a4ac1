import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { busClientId, eventTopic } from '../../bus/mqtt-transport.js';
import type { ModuleDefinition } from '../../kernel/module.js';

/** The MQTT broker a split rehearsal runs for its bus when no `--mqtt-url` is given. */
export interface BusBroker {
  /** The URL the bus connects with, its generated username and password included: pass it by env only. */
  url: string;
  /** The URL without credentials, to show. */
  address: string;
  close(): Promise<void>;
}

/** A bus instance that will connect later: its client id and the event topics its modules consume. */
export interface AwaitedSession {
  clientId: string;
  topics: string[];
}

/** The bus session of each module's process (named by `instanceOf`) with the events that module consumes. */
export function awaitedSessions(selected: ModuleDefinition[], namespace: string, instanceOf: (name: string) => string): AwaitedSession[] {
  return selected.map(({ contract, subscriptions = [] }) => ({
    clientId: busClientId(namespace, instanceOf(contract.name)),
    topics: subscriptions.map((s) => eventTopic(namespace, s.contract.name, s.event)),
  }));
}

/**
 * Starts an embedded MQTT 3.1.1 broker (aedes, sessions in memory) on the loopback address, on a free port:
 * only the processes of this machine reach it, and only with the username and password it generates (in
 * `url`); anonymous clients and wrong passwords are refused at CONNECT. Sessions outlive a restarted child,
 * not the broker.
 *
 * MQTT 3.1.1 cannot tell a publisher that nobody subscribes, so an event published before its consumer's first
 * session would be dropped. Each awaited session is therefore opened before the broker is handed out: a
 * persistent session with the consumer's subscriptions, which keeps its events until the consumer connects.
 */
export async function startBusBroker(options: { sessions?: AwaitedSession[] } = {}): Promise<BusBroker> {
  const username = 'cleave-bus';
  const password = randomBytes(24).toString('base64url');
  const broker = await Aedes.createBroker({ heartbeatInterval: 3_600_000 });
  broker.authenticate = (_client, user, given, done) => {
    const ok = user === username && given !== undefined && given.length === password.length && timingSafeEqual(given, Buffer.from(password));
    if (ok) return done(null, true);
    const refused = Object.assign(new Error('bad user name or password'), { returnCode: 4 });
    done(refused as Parameters<typeof done>[0], false);
  };
  const sockets = new Set<Socket>();
  // Nagle's algorithm off, as on Cleave's own MQTT clients: a reply is sent when it is written.
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`the bus broker cannot listen on the loopback address: ${err.message}`)));
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  const address = `mqtt://127.0.0.1:${port}`;
  const url = `mqtt://${username}:${password}@127.0.0.1:${port}`;
  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await closed;
  };
  try {
    for (const session of options.sessions ?? []) if (session.topics.length) await openSession(url, session);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, address, close };
}

async function openSession(url: string, { clientId, topics }: AwaitedSession): Promise<void> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId, clean: false, reconnectPeriod: 0 });
  try {
    await client.subscribeAsync(topics, { qos: 1 });
  } finally {
    await client.endAsync();
  }
}
