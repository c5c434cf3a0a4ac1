import test from 'ava';
import { eventually } from '../../../test/support/host.js';
import { eventsOf, startDevicesHost, type DevicesHost } from './hosting.js';

const at = (second: number) => `2030-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

/** Waits until `event` for `id` has been received with `last` as its time, then returns all their times. */
async function timesOf(devices: DevicesHost, event: 'deviceConnected' | 'deviceDisconnected', id: string, last: string) {
  const times = () => eventsOf(devices, event, id).map((e) => e.data.at);
  await eventually(async () => (times().includes(last) ? true : undefined), 5000, `${event} at ${last}`);
  return times();
}

test('when a device goes online, stays, goes offline twice and back, then each transition is published once', async (t) => {
  const devices = await startDevicesHost(t);
  const { api, admin, client } = devices;
  await api.post('/', { id: 'lamp-1', name: 'Lamp' }, admin);

  for (const [online, second] of [[true, 1], [true, 2], [false, 3], [false, 4], [true, 5], [false, 6]] as const) {
    t.deepEqual(await client.recordPresence({ deviceId: 'lamp-1', online, at: at(second) }), {});
  }

  t.deepEqual(await timesOf(devices, 'deviceConnected', 'lamp-1', at(5)), [at(1), at(5)]);
  t.deepEqual(await timesOf(devices, 'deviceDisconnected', 'lamp-1', at(6)), [at(3), at(6)]);
});

test('when presence is recorded, then online and lastSeenAt follow, and lastSeenAt never moves back', async (t) => {
  const { api, admin, client } = await startDevicesHost(t);
  await api.post('/', { id: 'lamp-2', name: 'Lamp' }, admin);
  const seen = async () => (await api.get('/lamp-2', admin)).body;

  await client.recordPresence({ deviceId: 'lamp-2', online: true, at: at(10) });
  t.like(await seen(), { online: true, lastSeenAt: at(10) });

  await client.recordPresence({ deviceId: 'lamp-2', online: true, at: at(20) });
  t.like(await seen(), { online: true, lastSeenAt: at(20) });

  await client.recordPresence({ deviceId: 'lamp-2', online: true, at: at(15) });
  t.like(await seen(), { online: true, lastSeenAt: at(20) });

  await client.recordPresence({ deviceId: 'lamp-2', online: false, at: '2030-01-01T01:00:30+01:00' });
  t.like(await seen(), { online: false, lastSeenAt: at(30) });
  const listed = (await api.get('/', admin)).body.devices[0];
  t.like(listed, { id: 'lamp-2', online: false, lastSeenAt: at(30) });
});

test('when presence names an unknown or decommissioned device, then nothing happens', async (t) => {
  const devices = await startDevicesHost(t);
  const { api, admin, client } = devices;
  await api.post('/', { id: 'gone-1', name: 'Gone' }, admin);
  await api.post('/', { id: 'here-1', name: 'Here' }, admin);
  await api.delete('/gone-1', admin);

  t.deepEqual(await client.recordPresence({ deviceId: 'gone-1', online: true, at: at(1) }), {});
  t.deepEqual(await client.recordPresence({ deviceId: 'never-1', online: true, at: at(1) }), {});
  await client.recordPresence({ deviceId: 'here-1', online: true, at: at(2) });

  await timesOf(devices, 'deviceConnected', 'here-1', at(2));
  t.deepEqual(eventsOf(devices, 'deviceConnected', 'gone-1'), []);
  t.deepEqual(eventsOf(devices, 'deviceConnected', 'never-1'), []);
});

test('when presence carries a time that is not ISO-8601, then INVALID_ARGUMENT naming at', async (t) => {
  const { api, admin, client } = await startDevicesHost(t);
  await api.post('/', { id: 'lamp-3', name: 'Lamp' }, admin);

  const err = await t.throwsAsync(client.recordPresence({ deviceId: 'lamp-3', online: true, at: 'yesterday' }));

  t.like(err, { code: 'INVALID_ARGUMENT' });
  t.regex(err!.message, /\bat\b/);
});
