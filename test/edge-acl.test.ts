import test from 'ava';
import type { MqttClient } from 'mqtt';
import { closed, connectDevice, getJson, nextMessage, registerDevice } from './support/devices.js';
import { modules } from '../modules/index.js';
import { ordersOutbox } from './fixtures/modules/planted/index.js';
import { eventually, startTestHost, type TestHost } from './support/host.js';

const edge = { 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1' };

type Rejection = { deviceId: string; topic: string; code: string; reason: string };
type Readings = { readings: Array<{ metric: string; value: number }> };

async function withDevice(run: (t: TestHost, device: { id: string; secret: string }, client: MqttClient) => Promise<void>) {
  const host = await startTestHost({ config: edge });
  const device = await registerDevice(host);
  const client = await connectDevice(host, device);
  try {
    await run(host, device, client);
  } finally {
    client.end(true);
    await host.stop();
  }
}

const refusedWith = async (t: TestHost, credentials: { id: string; secret: string; clientId?: string }) => {
  const error = await connectDevice(t, credentials).then(
    (client) => {
      client.end(true);
      return undefined;
    },
    (err: { code?: number }) => err,
  );
  return error?.code;
};

// One host per test, each creating an admin and logging in (slow hashes): run one at a time, so a loaded machine
// does not push logins past the bus timeout.
test.serial('when a device connects with a wrong secret, an unknown id or a client id that is not its own, then CONNACK refuses it', async (t) => {
  const host = await startTestHost({ config: edge });
  try {
    const device = await registerDevice(host);
    t.is(await refusedWith(host, { id: device.id, secret: 'wrong' }), 4);
    t.is(await refusedWith(host, { id: 'no-such-device', secret: device.secret }), 4);
    t.is(await refusedWith(host, { ...device, clientId: 'someone-else' }), 2);
    const client = await connectDevice(host, device);
    t.true(client.connected, 'the right credentials still work');
    client.end(true);
  } finally {
    await host.stop();
  }
});

test.serial('when a device keeps sending bad secrets, then it is blocked for a while even with the right one', async (t) => {
  const host = await startTestHost({ config: edge });
  try {
    const device = await registerDevice(host);
    for (let i = 0; i < 5; i++) t.is(await refusedWith(host, { id: device.id, secret: `guess-${i}` }), 4);
    t.is(await refusedWith(host, device), 5);
  } finally {
    await host.stop();
  }
});

test.serial('when a device publishes to another device\'s topic, then it is disconnected and nothing is stored', async (t) => {
  await withDevice(async (host, device, client) => {
    const other = await registerDevice(host);
    const gone = closed(client);
    client.publish(`v1/devices/${other.id}/telemetry`, JSON.stringify({ metrics: { temp: 1 } }), { qos: 1 });
    await gone;
    const readings = await getJson<Readings>(host, `/api/telemetry/devices/${other.id}/readings`);
    t.deepEqual(readings.readings, []);
  });
});

test.serial('when a device subscribes outside its own tree, then the SUBACK refuses that filter and it stays connected', async (t) => {
  await withDevice(async (_host, device, client) => {
    const refused = await t.throwsAsync(client.subscribeAsync(['v1/devices/other/errors', `v1/devices/${device.id}/errors`, '#'], { qos: 1 }));
    t.deepEqual((refused as Error & { packet: { granted: number[] } }).packet.granted, [128, 1, 128]);
    await client.publishAsync(`v1/devices/${device.id}/telemetry`, JSON.stringify({ metrics: { temp: 1 } }), { qos: 1 });
    t.true(client.connected);
  });
});

const badPayloads: Array<[string, (id: string) => { topic: string; payload: string | Buffer; retain?: boolean }, string, RegExp]> = [
  ['malformed JSON', (id) => ({ topic: `v1/devices/${id}/telemetry`, payload: '{"metrics": {' }), 'MALFORMED_JSON', /JSON/],
  ['a non-numeric metric', (id) => ({ topic: `v1/devices/${id}/telemetry`, payload: JSON.stringify({ metrics: { temp: 'hot' } }) }), 'INVALID_PAYLOAD', /temp/],
  ['an oversized payload', (id) => ({ topic: `v1/devices/${id}/telemetry`, payload: Buffer.alloc(70_000, 32) }), 'PAYLOAD_TOO_LARGE', /70000 bytes/],
  ['a retained message', (id) => ({ topic: `v1/devices/${id}/telemetry`, payload: JSON.stringify({ metrics: { temp: 1 } }), retain: true }), 'RETAIN_NOT_ALLOWED', /retain/],
  ['an unknown topic', (id) => ({ topic: `v1/devices/${id}/commands/c1/result`, payload: '{}' }), 'UNSUPPORTED_TOPIC', /^v1\/devices\/[^/]+\/commands\/c1\/result: unsupported topic; devices publish on v1\/devices\/<their id>\/ followed by .*\btelemetry\b.*events\/\+/],
  ['an event type with a space', (id) => ({ topic: `v1/devices/${id}/events/door open`, payload: '{"data": {}}' }), 'UNSUPPORTED_TOPIC', /^events\/door open: unsupported topic; an event type matches/],
  ['a status that is not {"online": boolean}', (id) => ({ topic: `v1/devices/${id}/status`, payload: '{"online": "yes"}' }), 'INVALID_PAYLOAD', /^online: must be true or false; a status message is/],
];

for (const [what, make, code, reason] of badPayloads) {
  test.serial(`when a device publishes ${what}, then it is acknowledged, recorded as ${code}, reported on its errors topic, and it stays connected`, async (t) => {
    await withDevice(async (host, device, client) => {
      await client.subscribeAsync(`v1/devices/${device.id}/errors`, { qos: 1 });
      const report = nextMessage(client, `v1/devices/${device.id}/errors`);
      const { topic, payload, retain } = make(device.id);
      await client.publishAsync(topic, payload, { qos: 1, retain: retain ?? false });
      t.like(await report, { code });
      const { rejections } = await getJson<{ rejections: Rejection[] }>(host, `/api/telemetry/rejections?deviceId=${device.id}`);
      t.is(rejections.length, 1);
      t.is(rejections[0].code, code);
      t.regex(rejections[0].reason, reason);
      t.true(client.connected);
      await client.publishAsync(`v1/devices/${device.id}/telemetry`, JSON.stringify({ metrics: { temp: 21.5 } }), { qos: 1 });
      const readings = await getJson<Readings>(host, `/api/telemetry/devices/${device.id}/readings`);
      t.deepEqual(readings.readings.map((r) => r.value), [21.5], 'a good message after the bad one is stored');
    });
  });
}

test.serial('when a device publishes on a topic Cleave writes to it, then the broker forwards nothing: the device gets only Cleave\'s reports', async (t) => {
  await withDevice(async (_host, device, client) => {
    const errors = `v1/devices/${device.id}/errors`;
    await client.subscribeAsync(errors, { qos: 1 });
    const received: Array<{ code?: string }> = [];
    const marker = new Promise<void>((resolve) => {
      client.on('message', (topic, payload) => {
        if (topic !== errors) return;
        const report = JSON.parse(payload.toString()) as { code?: string };
        received.push(report);
        if (report.code === 'MALFORMED_JSON') resolve();
      });
    });
    await client.publishAsync(errors, JSON.stringify({ code: 'FORGED', reason: 'sent by the device itself' }), { qos: 1 });
    // The marker: a refusal reported after the forged message was acknowledged, so a forwarded copy would come before it.
    await client.publishAsync(`v1/devices/${device.id}/telemetry`, '{"metrics": {', { qos: 1 });
    await marker;
    t.deepEqual(received.map((report) => report.code), ['UNSUPPORTED_TOPIC', 'MALFORMED_JSON']);
  });
});

test.serial('when a device is decommissioned, then its live connection closes within a second and it cannot reconnect', async (t) => {
  await withDevice(async (host, device, client) => {
    const gone = closed(client);
    const res = await fetch(`${host.url}/api/devices/${device.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${await host.login()}` } });
    t.is(res.status, 204);
    const started = Date.now();
    await gone;
    t.true(Date.now() - started < 1000, `closed after ${Date.now() - started} ms`);
    t.is(await refusedWith(host, device), 4);
  });
});

/** Milliseconds from now until `gone` settles, or Infinity past `limitMs`. */
const closedWithin = (gone: Promise<void>, limitMs: number) => {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(Infinity), limitMs)));
  return Promise.race([gone.then(() => Date.now() - started), late]).finally(() => clearTimeout(timer));
};

test.serial('when a device secret is rotated, then its live connection closes within a second, the old secret is refused and the new one works', async (t) => {
  await withDevice(async (host, device, client) => {
    const gone = closed(client);
    const res = await fetch(`${host.url}/api/devices/${device.id}/secret`, { method: 'POST', headers: { authorization: `Bearer ${await host.login()}` } });
    t.is(res.status, 200);
    const elapsed = await closedWithin(gone, 3000);
    t.true(elapsed < 1000, `closed after ${elapsed} ms`);
    t.is(await refusedWith(host, device), 4);
    const { secret } = (await res.json()) as { secret: string };
    const renewed = await connectDevice(host, { id: device.id, secret });
    t.true(renewed.connected);
    renewed.end(true);
  });
});

test.serial('when a device connects and disconnects, then the registry shows it online, then offline with lastSeenAt', async (t) => {
  await withDevice(async (host, device, client) => {
    type Device = { online: boolean; lastSeenAt: string | null };
    await eventually(async () => ((await getJson<Device>(host, `/api/devices/${device.id}`)).online ? true : undefined), 5000, 'online');
    client.end(true);
    const after = await eventually(async () => {
      const current = await getJson<Device>(host, `/api/devices/${device.id}`);
      return current.online ? undefined : current;
    }, 5000, 'offline');
    t.truthy(after.lastSeenAt);
  });
});

test.serial('when a connected device publishes {"online": false} on its status topic, then the registry shows it offline once it is acknowledged, and nothing is refused', async (t) => {
  await withDevice(async (host, device, client) => {
    type Device = { online: boolean };
    await eventually(async () => ((await getJson<Device>(host, `/api/devices/${device.id}`)).online ? true : undefined), 5000, 'online');
    await client.publishAsync(`v1/devices/${device.id}/status`, JSON.stringify({ online: false }), { qos: 1 });
    t.false((await getJson<Device>(host, `/api/devices/${device.id}`)).online);
    const { rejections } = await getJson<{ rejections: Rejection[] }>(host, `/api/telemetry/rejections?deviceId=${device.id}`);
    t.deepEqual(rejections, []);
    t.true(client.connected);
  });
});

test.serial('when a module of the build sends devices messages on an outbox kind, then a device may subscribe there and inside it, and nowhere wider', async (t) => {
  const build = [...modules, ordersOutbox];
  const host = await startTestHost({ modules: build, config: { ...edge, modules: modules.map((m) => m.contract.name).join(',') } });
  try {
    const device = await registerDevice(host);
    const client = await connectDevice(host, device);
    const own = `v1/devices/${device.id}`;
    const refused = await t.throwsAsync(client.subscribeAsync([`${own}/orders/+`, `${own}/orders/o-1`, `${own}/orders/#`, `${own}/commands/#`, `${own}/errors`], { qos: 1 }));
    t.deepEqual((refused as Error & { packet: { granted: number[] } }).packet.granted, [1, 1, 128, 128, 1]);
    t.true(client.connected);
    client.end(true);
  } finally {
    await host.stop();
  }
});
