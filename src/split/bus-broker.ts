import { createServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';

/** The MQTT broker a split rehearsal runs for its bus when no `--mqtt-url` is given. */
export interface BusBroker {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts an embedded MQTT 3.1.1 broker (aedes, sessions in memory) on the loopback address, on a free port:
 * only the processes of this machine reach it. Sessions outlive a restarted child, not the broker.
 */
export async function startBusBroker(): Promise<BusBroker> {
  const broker = await Aedes.createBroker({ heartbeatInterval: 3_600_000 });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`the bus broker cannot listen on the loopback address: ${err.message}`)));
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await closed;
    },
  };
}
