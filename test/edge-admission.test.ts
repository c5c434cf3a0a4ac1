import { readFileSync } from 'node:fs';
import net from 'node:net';
import test from 'ava';
import mqtt, { MqttClient } from 'mqtt';
import { connectDevice, registerDevice } from './support/devices.js';
import { eventually, startTestHost, type TestHost } from './support/host.js';
import { sandbox, startHost } from './fixtures/cli-run.js';

const edge = { 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1' };
type Device = { id: string; secret: string };

/** Connects as a device over TCP from `localAddress`; rejects with the CONNACK code when refused. */
function connectFrom(localAddress: string, port: number, device: Device): Promise<MqttClient> {
  const client = new MqttClient(() => net.connect({ port, host: '127.0.0.1', localAddress }), {
    clientId: device.id, username: device.id, password: device.secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000,
  });
  return settle(client);
}

/** Connects as a device over WebSocket at /mqtt, sending `X-Forwarded-For: forwardedFor`. */
function connectOverWebSocket(host: TestHost, device: Device, forwardedFor: string): Promise<MqttClient> {
  const client = mqtt.connect(`${host.url.replace(/^http/, 'ws')}/mqtt`, {
    clientId: device.id, username: device.id, password: device.secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000,
    wsOptions: { headers: { 'x-forwarded-for': forwardedFor } },
  });
  return settle(client);
}

function settle(client: MqttClient): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** The CONNACK code of a refused login, or 0 when it succeeded (the client is then closed). */
const codeOf = (connecting: Promise<MqttClient>) =>
  connecting.then(
    (client) => {
      client.end(true);
      return 0;
    },
    (err: { code?: number }) => err.code,
  );

/** A raw TCP connection to the device port, and a promise that it closes. */
function rawSocket(port: number, localAddress = '127.0.0.1') {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed };
}

const withHost = async (config: Record<string, unknown>, run: (host: TestHost, device: Device) => Promise<void>) => {
  const host = await startTestHost({ config: { ...edge, ...config } });
  try {
    await run(host, await registerDevice(host));
  } finally {
    await host.stop();
  }
};

test('when a connection sends no complete CONNECT, then it is closed at edge.connectTimeoutMs', async (t) => {
  await withHost({ 'edge.connectTimeoutMs': 500 }, async (host) => {
    const silent = rawSocket(host.host.edgePort!);
    const partial = rawSocket(host.host.edgePort!);
    partial.socket.write(Buffer.from([0x10, 0x20, 0x00]));
    const started = Date.now();
    const within = new Promise((_, reject) => setTimeout(() => reject(new Error('still open after 5 s')), 5000).unref());
    await Promise.race([Promise.all([silent.closed, partial.closed]), within]);
    t.true(Date.now() - started >= 400, `closed after ${Date.now() - started} ms`);
  });
});

test('when an address opens connections faster than edge.connectsPerSecondPerAddress, then the excess is closed at once and a device elsewhere still connects', async (t) => {
  await withHost({ 'edge.host': '0.0.0.0', 'edge.connectsPerSecondPerAddress': 1 }, async (host, device) => {
    const flood = Array.from({ length: 30 }, () => rawSocket(host.host.edgePort!, '127.0.0.2'));
    let closed = 0;
    for (const { closed: done } of flood) void done.then(() => closed++);
    try {
      await eventually(async () => (closed >= 20 ? true : undefined), 5000, 'the excess connections to be closed');
      t.is(await codeOf(connectFrom('127.0.0.1', host.host.edgePort!, device)), 0);
    } finally {
      for (const { socket } of flood) socket.destroy();
    }
  });
});

test('when an address sends 5 bad secrets for a device, then that device still connects from another address', async (t) => {
  await withHost({ 'edge.host': '0.0.0.0', 'edge.connectsPerSecondPerAddress': 1000 }, async (host, device) => {
    const port = host.host.edgePort!;
    for (let i = 0; i < 5; i++) t.is(await codeOf(connectFrom('127.0.0.2', port, { id: device.id, secret: `guess-${i}` })), 4);
    t.is(await codeOf(connectFrom('127.0.0.2', port, device)), 5, 'the guessing address is blocked for this device');
    t.is(await codeOf(connectFrom('127.0.0.1', port, device)), 0, 'the device connects from its own address');
  });
});

test('when an address fails on many devices, then it is blocked for every device while other addresses are not', async (t) => {
  await withHost({ 'edge.host': '0.0.0.0', 'edge.connectsPerSecondPerAddress': 1000 }, async (host, device) => {
    const port = host.host.edgePort!;
    for (let i = 0; i < 20; i++) t.is(await codeOf(connectFrom('127.0.0.2', port, { id: `guess-${i}`, secret: 'x' })), 4);
    t.is(await codeOf(connectFrom('127.0.0.2', port, device)), 5);
    t.is(await codeOf(connectFrom('127.0.0.1', port, device)), 0);
  });
});

test('when a WebSocket client sends 5 bad secrets through a trusted proxy, then the device still connects from another forwarded address', async (t) => {
  await withHost({ 'http.trustProxy': '127.0.0.1' }, async (host, device) => {
    for (let i = 0; i < 5; i++) t.is(await codeOf(connectOverWebSocket(host, { id: device.id, secret: `guess-${i}` }, '10.0.0.1')), 4);
    t.is(await codeOf(connectOverWebSocket(host, device, '10.0.0.1')), 5);
    t.is(await codeOf(connectOverWebSocket(host, device, '10.0.0.2')), 0);
  });
});

test('when http.trustProxy is empty, then X-Forwarded-For is ignored and WebSocket logins are keyed by the connecting address', async (t) => {
  await withHost({}, async (host, device) => {
    for (let i = 0; i < 5; i++) t.is(await codeOf(connectOverWebSocket(host, { id: device.id, secret: `guess-${i}` }, '10.0.0.1')), 4);
    t.is(await codeOf(connectOverWebSocket(host, device, '10.0.0.2')), 5);
  });
});

test('when a packet declares more than the limit, then the connection is closed before it is read, and a large payload within the ceiling is still refused as PAYLOAD_TOO_LARGE', async (t) => {
  await withHost({ 'edge.maxPayloadBytes': 1000 }, async (host, device) => {
    const huge = rawSocket(host.host.edgePort!);
    huge.socket.write(Buffer.from([0x10, 0x81, 0x80, 0x80, 0x01]));
    await huge.closed;
    const client = await connectDevice(host, device);
    const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await client.publishAsync(`v1/devices/${device.id}/telemetry`, Buffer.alloc(2000, 32), { qos: 1 });
    t.true(client.connected, 'a payload under the ceiling is acknowledged');
    client.publish(`v1/devices/${device.id}/telemetry`, Buffer.alloc(70_000, 32), { qos: 1 });
    await gone;
    t.pass();
  });
});

/** VmRSS of a process, in bytes. */
const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

test.serial('when 200 unauthenticated connections each declare a 250 MiB packet and send 1 MiB of it, then the host stays within 50 MB of idle and devices keep connecting', async (t) => {
  const admin = { email: 'admin@example.test', password: 'admin-password-1' };
  const box = sandbox(t, {
    CLEAVE_EDGE: 'embedded', CLEAVE_EDGE_PORT: '0', CLEAVE_EDGE_HOST: '127.0.0.1', CLEAVE_EDGE_CONNECTS_PER_SECOND: '1000',
    CLEAVE_IDENTITY_ADMIN_EMAIL: admin.email, CLEAVE_IDENTITY_ADMIN_PASSWORD: admin.password,
  });
  const run = startHost(t, box);
  const port = (await run.waitForLog('edge broker is listening')).mqtt as number;
  const url = (await run.waitForLog('cleave is ready')).http as string;
  const login = await fetch(`${url}/api/identity/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
  const { token } = (await login.json()) as { token: string };
  const register = await fetch(`${url}/api/devices`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'meter' }),
  });
  const device = (await register.json()) as Device;
  // Idle includes what logins cost (scrypt takes tens of MB while it runs).
  for (let i = 0; i < 3; i++) t.is(await codeOf(connectFrom('127.0.0.1', port, device)), 0);
  const idle = rss(run.child.pid!);

  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const header = Buffer.from([0x10, 0x80, 0x80, 0x80, 0x7d]); // a CONNECT of 250 MiB
  const attack = Array.from({ length: 200 }, () => {
    const { socket, closed } = rawSocket(port);
    const sent = (async () => {
      socket.write(header);
      for (let i = 0; i < 16 && !socket.destroyed; i++) {
        if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
      }
      await Promise.race([new Promise<void>((resolve) => socket.end(() => resolve())), closed]);
    })();
    return { socket, sent };
  });
  let peak = idle;
  const sample = setInterval(() => (peak = Math.max(peak, rss(run.child.pid!))), 20);
  try {
    const meanwhile = await codeOf(connectFrom('127.0.0.1', port, device));
    await Promise.all(attack.map(({ sent }) => sent));
    peak = Math.max(peak, rss(run.child.pid!));
    t.is(meanwhile, 0, 'a device connects during the attack');
    t.is(await codeOf(connectFrom('127.0.0.1', port, device)), 0, 'and after it');
    t.log(`idle ${Math.round(idle / 1048576)} MB, peak ${Math.round(peak / 1048576)} MB`);
    t.true(peak - idle < 50 * 1024 * 1024, `RSS grew by ${Math.round((peak - idle) / 1048576)} MB`);
  } finally {
    clearInterval(sample);
    for (const { socket } of attack) socket.destroy();
  }
});
