import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { closed, getJson, registerDevice } from './support/devices.js';
import { modules } from '../modules/index.js';
import { ordersOutbox } from './fixtures/modules/planted/index.js';
import { eventually, startTestHost, type TestHost } from './support/host.js';
import { startMosquitto, type Mosquitto } from './support/mosquitto.js';
import { api, connectTo, connectWhenProvisioned, dynsec, external, externalConfig, publishReading, readingsOf, refusal, storedValues, withExternal, type Device } from './support/external-broker.js';

external('when a device is registered, then it connects through the broker with its secret, and a wrong secret or an unknown id is refused at CONNECT', async (t) => {
  await withExternal(async (host, mosquitto) => {
    const device = await registerDevice(host);
    (await connectWhenProvisioned(mosquitto, device)).end(true);
    t.is(await refusal(mosquitto, { id: device.id, secret: 'wrong' }), 5);
    t.is(await refusal(mosquitto, { id: 'no-such-device', secret: device.secret }), 5);
  });
});

external('when a device secret is rotated, then its live connection closes within a second, the old secret is refused and the new one works', async (t) => {
  await withExternal(async (host, mosquitto) => {
    const device = await registerDevice(host);
    const live = await connectWhenProvisioned(mosquitto, device);
    const gone = closed(live);
    const res = await api(host, 'POST', `/api/devices/${device.id}/secret`);
    t.is(res.status, 200);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(Infinity), 3000)));
    const elapsed = await Promise.race([gone.then(() => Date.now() - started), late]).finally(() => clearTimeout(timer));
    t.true(elapsed < 1000, `closed after ${elapsed} ms`);
    const { secret } = (await res.json()) as { secret: string };
    t.is(await refusal(mosquitto, device), 5);
    const client = await connectTo(mosquitto, { id: device.id, secret });
    await publishReading(client, device.id, { temperature: 7 });
    t.deepEqual(await storedValues(host, device.id, 1), [7]);
    client.end(true);
  });
});

external('when a device is decommissioned, then its live connection closes and it is refused afterwards', async (t) => {
  await withExternal(async (host, mosquitto) => {
    const device = await registerDevice(host);
    const client = await connectWhenProvisioned(mosquitto, device);
    const gone = closed(client);
    t.is((await api(host, 'DELETE', `/api/devices/${device.id}`)).status, 204);
    await gone;
    t.is(await refusal(mosquitto, device), 5);
  });
});

external('when a device publishes into another device\'s tree, then nothing reaches the other device', async (t) => {
  await withExternal(async (host, mosquitto) => {
    const [device, other] = [await registerDevice(host), await registerDevice(host)];
    const client = await connectWhenProvisioned(mosquitto, device);
    await publishReading(client, other.id, { temperature: 99 });
    await client.publishAsync(`v1/devices/${other.id}/status`, JSON.stringify({ online: true }), { qos: 1 });
    await publishReading(client, device.id, { marker: 1 });
    await storedValues(host, device.id, 1);
    t.deepEqual((await readingsOf(host, other.id)).readings, [], 'the marker published after it arrived; the forgery did not');
    t.false((await getJson<{ online: boolean }>(host, `/api/devices/${other.id}`)).online);
    client.end(true);
  });
});

const connectAdmin = (broker: Mosquitto, password: string) =>
  mqtt.connectAsync(broker.url, { username: dynsec.admin, password, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 });

/** Changes the dynamic-security admin's password; Mosquitto then disconnects every admin connection, this one too. */
async function changeAdminPassword(broker: Mosquitto, from: string, to: string): Promise<void> {
  const admin = await connectAdmin(broker, from);
  const gone = closed(admin);
  admin.publish('$CONTROL/dynamic-security/v1', JSON.stringify({ commands: [{ command: 'setClientPassword', username: dynsec.admin, password: to }] }));
  await gone;
}

const register = async (host: TestHost, id: string) =>
  fetch(`${host.url}/api/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await host.login()}` },
    body: JSON.stringify({ id, name: 'late device' }),
  });

external('when the broker refuses Cleave\'s admin at registration, then registering succeeds and the device connects once the admin is let in again', async (t) => {
  await withExternal(async (host, mosquitto) => {
    await changeAdminPassword(mosquitto, dynsec.password, 'changed-password');
    const registered = await register(host, 'late-1');
    t.is(registered.status, 201);
    const device = (await registered.json()) as Device;
    t.is((await api(host, 'GET', '/api/devices/late-1')).status, 200);
    t.is(await refusal(mosquitto, device), 5, 'the broker does not have its credentials yet');
    await changeAdminPassword(mosquitto, 'changed-password', dynsec.password);
    const client = await connectWhenProvisioned(mosquitto, device, 30_000);
    await publishReading(client, 'late-1', { temperature: 4 });
    t.deepEqual(await storedValues(host, 'late-1', 1), [4], 'the ingest reconnected too');
    client.end(true);
  });
});

external('when the broker is down while a device is registered, then registering succeeds and the device connects once the broker is back', async (t) => {
  await withExternal(async (host, mosquitto) => {
    let device: Device | undefined;
    await mosquitto.restart(async () => {
      device = await registerDevice(host, { id: 'down-1' });
    });
    const client = await connectWhenProvisioned(mosquitto, device!, 30_000);
    t.true(client.connected);
    client.end(true);
  });
});

external('when a device id names a broker user that is not a device, then that user keeps its password, the device is not let in, and later devices are', async (t) => {
  await withExternal(async (host, mosquitto) => {
    const res = await register(host, dynsec.admin);
    t.is(res.status, 201);
    const impostor = (await res.json()) as Device;
    (await connectWhenProvisioned(mosquitto, await registerDevice(host))).end(true);
    t.is(await refusal(mosquitto, impostor), 5);
    (await connectAdmin(mosquitto, dynsec.password)).end(true);
    t.pass('the admin still connects with its own password');
  });
});

external('when a module of the build sends devices messages on an outbox kind, then the broker lets a device subscribe there, and to no other device\'s', async (t) => {
  const hosted = modules.map((m) => m.contract.name).join(',');
  await withExternal(
    async (host, mosquitto) => {
      const [device, other] = [await registerDevice(host), await registerDevice(host)];
      const client = await connectWhenProvisioned(mosquitto, device);
      const refused = await t.throwsAsync(client.subscribeAsync([`v1/devices/${device.id}/orders/+`, `v1/devices/${device.id}/errors`, `v1/devices/${other.id}/orders/+`], { qos: 1 }));
      t.deepEqual((refused as Error & { packet: { granted: number[] } }).packet.granted, [1, 1, 128]);
      client.end(true);
    },
    { modules: [...modules, ordersOutbox], config: { modules: hosted } },
  );
});

external('when a module declares an outbox kind after a device was registered, then the device may subscribe there once its secret is set again', async (t) => {
  const mosquitto = await startMosquitto({ dynsec });
  t.teardown(() => mosquitto.stop());
  const config = externalConfig(mosquitto);
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-outbox-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const before = await startTestHost({ config, dataDir });
  const device = await registerDevice(before);
  await before.stop();
  const hosted = modules.map((m) => m.contract.name).join(',');
  const after = await startTestHost({ modules: [...modules, ordersOutbox], config: { ...config, modules: hosted }, dataDir });
  try {
    const rotated = await api(after, 'POST', `/api/devices/${device.id}/secret`);
    t.is(rotated.status, 200, await rotated.clone().text());
    const { secret } = (await rotated.json()) as { secret: string };
    const client = await connectWhenProvisioned(mosquitto, { id: device.id, secret });
    const [granted] = await client.subscribeAsync(`v1/devices/${device.id}/orders/+`, { qos: 1 });
    t.is(granted.qos, 1);
    client.end(true);
  } finally {
    await after.stop();
  }
});

external('when a secret sealed under the in-memory key of the in-process bus is relayed after a restart, then an error names the device and a rotation lets it in', async (t) => {
  const mosquitto = await startMosquitto({ dynsec });
  t.teardown(() => mosquitto.stop());
  // No bus key: the host seals under a key of its own that a restart loses.
  const config = { ...externalConfig(mosquitto), 'bus.key': '' };
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-sealed-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const held = await startTestHost({ config: { ...config, 'bus.outbox.relay': false }, dataDir });
  const device = await registerDevice(held, { id: 'crashed-1' });
  await held.stop();

  const logs: string[] = [];
  const after = await startTestHost({ config, dataDir, logTo: { write: (line: string) => void logs.push(line) } });
  t.teardown(() => after.stop());
  const line = await eventually(async () => logs.find((l) => l.includes('"device":"crashed-1"') && l.includes('"level":50')), 10_000, 'an error naming the device');
  t.regex(line, /rotate the device's secret/);
  t.is(await refusal(mosquitto, device), 5);
  const rotated = await api(after, 'POST', '/api/devices/crashed-1/secret');
  const { secret } = (await rotated.json()) as { secret: string };
  (await connectWhenProvisioned(mosquitto, { id: 'crashed-1', secret })).end(true);
});
