import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { adminEmail, adminPassword } from './support/host.js';

const bin = fileURLToPath(new URL('../../bin/cleave', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function startCleave(dataDir: string, edgePort: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, 'start', '--http-port', '0', '--http-host', '127.0.0.1', '--edge-port', String(edgePort), '--data-dir', dataDir], {
    env: { ...process.env, CLEAVE_EDGE_HOST: '127.0.0.1', CLEAVE_IDENTITY_ADMIN_EMAIL: adminEmail, CLEAVE_IDENTITY_ADMIN_PASSWORD: adminPassword, CLEAVE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"http":"(http:[^"]+)".*"msg":"cleave is ready"/.exec(out);
      if (match) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`cleave exited with ${code} before it was ready`)));
  });
}

async function api(url: string, path: string, token: string | undefined, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

const login = async (url: string) => (await api(url, '/api/identity/login', undefined, { email: adminEmail, password: adminPassword })).token as string;

test('when the host is killed while 20 devices publish QoS 1, then every acknowledged reading survives and resending creates no duplicates', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-edge-crash-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const edgePort = await freePort();
  const first = await startCleave(dataDir, edgePort);
  const token = await login(first.url);
  const devices: Array<{ id: string; secret: string }> = [];
  for (let i = 0; i < 20; i++) devices.push((await api(first.url, '/api/devices', token, { name: `crash ${i}` })) as { id: string; secret: string });

  const acknowledged = new Map<string, number[]>();
  const sent = new Map<string, number[]>();
  const clients: MqttClient[] = [];
  let running = true;
  const publishers = devices.map(async (device, i) => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${edgePort}`, { clientId: device.id, username: device.id, password: device.secret, reconnectPeriod: 0 });
    clients.push(client);
    acknowledged.set(device.id, []);
    sent.set(device.id, []);
    for (let ts = 1_700_000_000_000 + i; running; ts += 1000) {
      sent.get(device.id)!.push(ts);
      try {
        await client.publishAsync(`v1/devices/${device.id}/telemetry`, JSON.stringify({ ts, metrics: { n: ts } }), { qos: 1 });
        acknowledged.get(device.id)!.push(ts);
      } catch {
        return;
      }
    }
  });
  const enough = () => [...acknowledged.values()].reduce((sum, list) => sum + list.length, 0) >= 400;
  while (!enough()) await new Promise((resolve) => setTimeout(resolve, 10));
  first.child.kill('SIGKILL');
  running = false;
  await Promise.race([Promise.allSettled(publishers), new Promise((resolve) => setTimeout(resolve, 3000))]);
  for (const client of clients) client.end(true);

  const second = await startCleave(dataDir, edgePort);
  t.teardown(() => second.child.kill('SIGKILL'));
  const again = await login(second.url);
  let ackedTotal = 0;
  for (const device of devices) {
    const { readings } = (await api(second.url, `/api/telemetry/devices/${device.id}/readings?limit=10000`, again)) as { readings: Array<{ value: number }> };
    const stored = new Set(readings.map((r) => r.value));
    const acked = acknowledged.get(device.id)!;
    ackedTotal += acked.length;
    t.true(acked.every((ts) => stored.has(ts)), `device ${device.id}: an acknowledged reading is missing`);
  }
  t.true(ackedTotal >= 400);

  const device = devices[0];
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${edgePort}`, { clientId: device.id, username: device.id, password: device.secret, reconnectPeriod: 0 });
  for (const ts of sent.get(device.id)!) await client.publishAsync(`v1/devices/${device.id}/telemetry`, JSON.stringify({ ts, metrics: { n: ts } }), { qos: 1 });
  client.end(true);
  const { readings } = (await api(second.url, `/api/telemetry/devices/${device.id}/readings?limit=10000`, again)) as { readings: Array<{ value: number }> };
  t.is(readings.length, sent.get(device.id)!.length, 'each resent reading landed on its own row once');
});
