import test, { type ExecutionContext } from 'ava';
import type { Client } from '../../../src/index.js';
import { eventProbe } from '../../../test/support/event-probe.js';
import { registerDevice } from '../../../test/support/devices.js';
import { eventually, startTestHost, type TestHost } from '../../../test/support/host.js';
import { createDatabase, postgresAvailable } from '../../../test/support/postgres.js';
import { modules } from '../../index.js';
import { commandsContract, type Command } from '../contract.js';

type EventName = keyof typeof commandsContract.events & string;

/** An event of the commands module as another module receives it. */
export interface Seen {
  event: EventName;
  data: { id: string; deviceId: string; name: string; [key: string]: unknown };
}

/** A module that records every commands event it receives, as any consumer would. */
function probe() {
  const { module, received } = eventProbe<typeof commandsContract, Seen['data']>(commandsContract);
  return { module, seen: received as Seen[] };
}

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A host of the build's modules as the tests use it: HTTP as the admin, the device ports through the bus. */
export interface Commands {
  test: TestHost;
  admin: string;
  /** Calls `/api/commands<path>`, as the admin unless another token is given. */
  http(method: string, path: string, body?: unknown, token?: string): Promise<Reply>;
  /** The module's operations through the bus, as the device listener calls them. */
  listener: Client<typeof commandsContract>;
  seen: Seen[];
  /** Registers a device through the devices module; returns its id and secret. */
  device(id?: string): Promise<{ id: string; secret: string }>;
  /** Queues a command through HTTP and returns it (fails the test on anything but 202). */
  send(deviceId: string, name?: string, args?: Record<string, unknown>, ttlSeconds?: number): Promise<Command>;
  /** The device's text on its `replies` topic, as the listener hands it over; one result per payload. */
  reply(deviceId: string, ...payloads: unknown[]): ReturnType<Client<typeof commandsContract>['recordReplies']>;
  /** Waits for the event of that kind about that command. */
  eventOf(event: EventName, id: string): Promise<Seen>;
}

const stores = (await postgresAvailable()) ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

/** Registers one test per store (SQLite, and PostgreSQL when it is there), each with its own host. */
export function scenario(title: string, run: (t: ExecutionContext, commands: Commands) => Promise<void>, config: Record<string, unknown> = {}) {
  for (const store of stores) {
    test(`[${store}] ${title}`, async (t) => {
      const database = store === 'postgres' ? await createDatabase() : undefined;
      const { module, seen } = probe();
      const host = await startTestHost({ modules: [...modules, module], config: { ...config, ...(database ? { 'db.url': database.url } : {}) } });
      try {
        await run(t, await connect(host, seen));
      } finally {
        await host.stop();
        await database?.drop();
      }
    });
  }
}

async function connect(host: TestHost, seen: Seen[]): Promise<Commands> {
  const admin = await host.login();
  const listener = host.host.bus.client(commandsContract, { principal: { sub: 'edge', role: 'system' } });
  const http: Commands['http'] = async (method, path, body, token = admin) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${host.url}/api/commands${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    test: host,
    admin,
    http,
    listener,
    seen,
    device: (id) => registerDevice(host, id ? { id } : {}),
    async send(deviceId, name = 'reboot', args = {}, ttlSeconds) {
      const res = await http('POST', '', { deviceId, name, args, ...(ttlSeconds ? { ttlSeconds } : {}) });
      if (res.status !== 202) throw new Error(`sending a command failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as Command;
    },
    reply: (deviceId, ...payloads) =>
      listener.recordReplies({
        messages: payloads.map((payload) => ({
          deviceId,
          kind: 'replies',
          levels: [],
          receivedAt: Date.now(),
          payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
        })),
      }),
    eventOf: (event, id) => eventually(async () => seen.find((e) => e.event === event && e.data.id === id), 5000, `${event} of ${id}`),
  };
}
