import test, { type ExecutionContext } from 'ava';
import { connectDevice, nextMessage, registerDevice } from '../../../test/support/devices.js';
import { eventually, startTestHost } from '../../../test/support/host.js';
import type { Command } from '../contract.js';

/** The device listener on an embedded broker: replies travel the real MQTT path into the commands module. */
const edge = { 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1' };

async function start(t: ExecutionContext) {
  const host = await startTestHost({ config: edge });
  t.teardown(() => host.stop());
  const admin = await host.login();
  const api = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${admin}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${host.url}/api/commands${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Command };
  };
  const device = await registerDevice(host);
  const client = await connectDevice(host, device);
  t.teardown(() => client.endAsync());
  const state = (id: string, wanted: string) =>
    eventually(async () => {
      const { body } = await api('GET', `/${id}`);
      return body.state === wanted ? body : undefined;
    }, 5000, `command ${id} ${wanted}`);
  return { host, api, device, client, state };
}

test('when a device publishes its reply on its replies topic, then the command is finished with it', async (t) => {
  const { api, device, client, state } = await start(t);
  const ok = (await api('POST', '', { deviceId: device.id, name: 'read-config', args: {} })).body;
  const failing = (await api('POST', '', { deviceId: device.id, name: 'reboot', args: {} })).body;

  await client.publishAsync(`v1/devices/${device.id}/replies`, JSON.stringify({ id: ok.id, ok: true, result: { version: '2' } }), { qos: 1 });
  await client.publishAsync(`v1/devices/${device.id}/replies`, JSON.stringify({ id: failing.id, ok: false, error: { code: 'BUSY', message: 'later' } }), { qos: 1 });

  t.like(await state(ok.id, 'succeeded'), { result: { version: '2' } });
  t.like(await state(failing.id, 'failed'), { error: { code: 'BUSY', message: 'later' } });
});

test('when a device replies to a command it was not sent, then it is told on its errors topic', async (t) => {
  const { device, client } = await start(t);
  await client.subscribeAsync(`v1/devices/${device.id}/errors`, { qos: 1 });
  const told = nextMessage(client, `v1/devices/${device.id}/errors`);

  await client.publishAsync(`v1/devices/${device.id}/replies`, JSON.stringify({ id: 'never-sent', ok: true }), { qos: 1 });

  t.like(await told, { id: 'never-sent', code: 'UNKNOWN_COMMAND' });
});

/** Collects what a device receives on its command topics, parsed. */
function inbox(client: import('mqtt').MqttClient) {
  const received: Array<{ topic: string; payload: { id: string; args: unknown; expiresAt: string }; qos: number }> = [];
  client.on('message', (topic, payload, packet) => {
    if (topic.includes('/commands/')) received.push({ topic, payload: JSON.parse(payload.toString()), qos: packet.qos });
  });
  return received;
}

test('when a command is queued for a connected, subscribed device, then it arrives within a second', async (t) => {
  const { api, device, client } = await start(t);
  await client.subscribeAsync(`v1/devices/${device.id}/commands/+`, { qos: 1 });
  const arrived = nextMessage(client, `v1/devices/${device.id}/commands/open-valve`);
  const queuedAt = Date.now();

  const queued = (await api('POST', '', { deviceId: device.id, name: 'open-valve', args: { percent: 40 } })).body;

  const within = new Promise((_, reject) => setTimeout(() => reject(new Error('no command within a second')), 1000));
  t.deepEqual(await Promise.race([arrived, within]), { id: queued.id, args: { percent: 40 }, expiresAt: queued.expiresAt });
  t.true(Date.now() - queuedAt < 1000);
});

test('when an offline device connects and subscribes, then it gets its pending commands oldest first, once each, its PUBACK marks them delivered, and its reply finishes them', async (t) => {
  const { host, api, device, client: first, state } = await start(t);
  await first.endAsync();
  const names = ['reboot', 'set-point', 'read-config'];
  const waiting: Command[] = [];
  for (const name of names) waiting.push((await api('POST', '', { deviceId: device.id, name, args: { n: waiting.length } })).body);
  // A persistent session, as the README asks of devices: the embedded broker reports a PUBACK only within one.
  const client = await connectDevice(host, device, { clean: false });
  t.teardown(() => client.endAsync());
  const received = inbox(client);

  await client.subscribeAsync(`v1/devices/${device.id}/commands/+`, { qos: 1 });
  for (const command of waiting) await state(command.id, 'delivered');
  const queued = (await api('POST', '', { deviceId: device.id, name: 'set-point', args: { celsius: 19.5 } })).body;
  await state(queued.id, 'delivered');
  await client.publishAsync(`v1/devices/${device.id}/replies`, JSON.stringify({ id: queued.id, ok: true }), { qos: 1 });
  await state(queued.id, 'succeeded');

  t.deepEqual(
    received.map((m) => [m.topic, m.payload.id, m.qos]),
    [...waiting, queued].map((c) => [`v1/devices/${device.id}/commands/${c.name}`, c.id, 1]),
  );
});

test('when a device sends the same reply twice, then the second is accepted without a second effect, and a different second answer is refused', async (t) => {
  const { api, device, client, state } = await start(t);
  await client.subscribeAsync(`v1/devices/${device.id}/errors`, { qos: 1 });
  const queued = (await api('POST', '', { deviceId: device.id, name: 'reboot', args: {} })).body;
  const reply = JSON.stringify({ id: queued.id, ok: true, result: { took: 3 } });
  await client.publishAsync(`v1/devices/${device.id}/replies`, reply, { qos: 1 });
  const first = await state(queued.id, 'succeeded');

  const errors: unknown[] = [];
  client.on('message', (topic, payload) => topic.endsWith('/errors') && errors.push(JSON.parse(payload.toString())));
  await client.publishAsync(`v1/devices/${device.id}/replies`, reply, { qos: 1 });
  await client.publishAsync(`v1/devices/${device.id}/replies`, JSON.stringify({ id: queued.id, ok: false, error: { code: 'X', message: 'late' } }), { qos: 1 });

  // The different answer's refusal is the marker: a refusal of the repeated reply would have come before it.
  await eventually(async () => (errors.length ? true : undefined), 5000, 'the refusal of the different answer');
  t.is(errors.length, 1);
  t.like(errors[0], { id: queued.id, code: 'COMMAND_FINISHED' });
  t.deepEqual((await api('GET', `/${queued.id}`)).body, first);
});

test('when a device answers another device\'s command, then it is refused as unknown and the command still waits for its own device', async (t) => {
  const { host, api, device, state } = await start(t);
  const other = await registerDevice(host);
  const intruder = await connectDevice(host, other);
  t.teardown(() => intruder.endAsync());
  await intruder.subscribeAsync(`v1/devices/${other.id}/errors`, { qos: 1 });
  const told = nextMessage(intruder, `v1/devices/${other.id}/errors`);
  const queued = (await api('POST', '', { deviceId: device.id, name: 'reboot', args: {} })).body;

  await intruder.publishAsync(`v1/devices/${other.id}/replies`, JSON.stringify({ id: queued.id, ok: true }), { qos: 1 });

  t.like(await told, { id: queued.id, code: 'UNKNOWN_COMMAND' });
  t.like(await state(queued.id, 'pending'), { result: null, finishedAt: null });
});
