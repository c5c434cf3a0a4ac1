import { registerDevice } from './support/devices.js';
import { eventually } from './support/host.js';
import { connectTo, external, withExternal, type Device } from './support/external-broker.js';
import type { Mosquitto } from './support/mosquitto.js';

type Command = { id: string; state: string; result?: unknown };

/** Connects as the device once its credentials reached the broker, with a persistent session. */
const connectWhenProvisioned = (broker: Mosquitto, device: Device) =>
  eventually(() => connectTo(broker, device, { clean: false }).catch(() => undefined), 10_000, `${device.id} to connect to the external broker`);

external('when an operator queues a command for a device of the external broker, then the device gets it on its commands topic and its reply settles it', async (t) => {
  await withExternal(async (host, mosquitto) => {
    const token = await host.login();
    const call = async (method: string, path: string, body?: unknown) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) };
      const res = await fetch(`${host.url}/api/commands${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
      return (await res.json()) as Command;
    };
    const device = await registerDevice(host);
    const client = await connectWhenProvisioned(mosquitto, device);
    t.teardown(() => client.end(true));
    await client.subscribeAsync(`v1/devices/${device.id}/commands/+`, { qos: 1 });
    const arrived = new Promise<{ topic: string; id: string }>((resolve) =>
      client.on('message', (topic, payload) => resolve({ topic, id: (JSON.parse(payload.toString()) as { id: string }).id })),
    );

    const queued = await call('POST', '', { deviceId: device.id, name: 'reboot', args: { delay: 5 } });

    t.deepEqual(await arrived, { topic: `v1/devices/${device.id}/commands/reboot`, id: queued.id });
    await client.publishAsync(`v1/devices/${device.id}/replies`, JSON.stringify({ id: queued.id, ok: true, result: { rebooting: true } }), { qos: 1 });
    const settled = await eventually(async () => {
      const command = await call('GET', `/${queued.id}`);
      return command.state === 'succeeded' ? command : undefined;
    }, 10_000, 'the command to succeed');
    t.deepEqual(settled.result, { rebooting: true });
  });
});
