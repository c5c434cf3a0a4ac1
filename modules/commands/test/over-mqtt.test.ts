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

test('when a device subscribes to its commands, then it gets those queued while it was away and new ones at QoS 1, its PUBACK marks them delivered, and its reply finishes them', async (t) => {
  const { host, api, device, client: first, state } = await start(t);
  await first.endAsync();
  const waiting = (await api('POST', '', { deviceId: device.id, name: 'reboot', args: { delay: 1 } })).body;
  // A persistent session, as the README asks of devices: the embedded broker reports a PUBACK only within one.
  const client = await connectDevice(host, device, { clean: false });
  t.teardown(() => client.endAsync());
  const received: Array<{ topic: string; payload: unknown; qos: number }> = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: JSON.parse(payload.toString()), qos: packet.qos }));

  await client.subscribeAsync(`v1/devices/${device.id}/commands/+`, { qos: 1 });
  await state(waiting.id, 'delivered');
  const queued = (await api('POST', '', { deviceId: device.id, name: 'set-point', args: { celsius: 19.5 } })).body;
  await state(queued.id, 'delivered');
  await client.publishAsync(`v1/devices/${device.id}/replies`, JSON.stringify({ id: queued.id, ok: true }), { qos: 1 });

  await state(queued.id, 'succeeded');
  // A command delivered but not answered yet may come again (devices run each id once): compare distinct ones.
  const distinct = received.filter((m, i) => received.findIndex((o) => JSON.stringify(o) === JSON.stringify(m)) === i);
  t.deepEqual(distinct, [
    { topic: `v1/devices/${device.id}/commands/reboot`, payload: { id: waiting.id, args: { delay: 1 }, expiresAt: waiting.expiresAt }, qos: 1 },
    { topic: `v1/devices/${device.id}/commands/set-point`, payload: { id: queued.id, args: { celsius: 19.5 }, expiresAt: queued.expiresAt }, qos: 1 },
  ]);
});
