import { createServer } from 'node:net';

/** A port a host is about to listen on, and how a user changes it. */
export interface PlannedPort {
  /** What listens there, as the error names it, e.g. `HTTP port`. */
  what: string;
  port: number;
  host: string;
  /** The flag and environment variable that choose another port, e.g. `--http-port or CLEAVE_HTTP_PORT`. */
  change: string;
  /** Another way out, appended to the message, e.g. `or turn the broker off with --edge off`. */
  otherwise?: string;
}

/** The one-line error for a port that cannot be listened on. */
export function portError(planned: PlannedPort, err: NodeJS.ErrnoException): Error {
  const { what, port, host, change, otherwise } = planned;
  if (err.code === 'EADDRINUSE') {
    return new Error(`${what} ${port} is already in use; choose another with ${change}${otherwise ? `, ${otherwise}` : ''}`);
  }
  if (err.code === 'EACCES') return new Error(`${what} ${port} needs more privileges; choose a port above 1023 with ${change}`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new Error(`${what}: host ${host} is not an address of this machine`);
  return new Error(`${what} ${port} on ${host} cannot be listened on: ${err.message}`);
}

/**
 * Checks that every planned port can be listened on, by binding and releasing each, so that a host fails on a
 * taken port before it has opened a store or created anything (such as the first admin). Port 0 always passes.
 */
export async function assertPortsFree(ports: PlannedPort[]): Promise<void> {
  for (const planned of ports) {
    if (planned.port === 0) continue;
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', (err: NodeJS.ErrnoException) => reject(portError(planned, err)));
      server.listen(planned.port, planned.host, () => server.close(() => resolve()));
    });
  }
}
