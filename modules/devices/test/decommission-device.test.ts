import test from 'ava';
import { eventually } from '../../../test/support/host.js';
import { eventsOf, startDevicesHost } from './hosting.js';

test('when a device is decommissioned, then 204, it is gone from get and list, and the event is published', async (t) => {
  const devices = await startDevicesHost(t);
  const { api, admin } = devices;
  await api.post('/', { id: 'old-1', name: 'Old' }, admin);
  await api.post('/', { id: 'kept-1', name: 'Kept' }, admin);

  const res = await api.delete('/old-1', admin);

  t.is(res.status, 204);
  t.is(res.text, '');
  t.is((await api.get('/old-1', admin)).status, 404);
  t.deepEqual((await api.get('/', admin)).body.devices.map((d: { id: string }) => d.id), ['kept-1']);
  const event = await eventually(async () => eventsOf(devices, 'deviceDecommissioned', 'old-1')[0], 5000, 'decommission');
  t.deepEqual(event.data, { id: 'old-1' });
});

test('when a device is decommissioned, then its secret stops working and it can neither be rotated nor revived', async (t) => {
  const { api, admin, client } = await startDevicesHost(t);
  const { secret } = (await api.post('/', { id: 'old-2', name: 'Old' }, admin)).body;

  await api.delete('/old-2', admin);

  t.deepEqual(await client.authenticateDevice({ deviceId: 'old-2', secret }), { ok: false });
  t.is((await api.delete('/old-2', admin)).status, 404);
  t.is((await api.post('/old-2/secret', undefined, admin)).status, 404);
  const again = await api.post('/', { id: 'old-2', name: 'Reborn' }, admin);
  t.is(again.status, 409);
});

test('when a viewer decommissions, then 403; an operator may, and an unknown device is 404', async (t) => {
  const { api, admin, tokenOf, client } = await startDevicesHost(t);
  const [operator, viewer] = await Promise.all([tokenOf('operator'), tokenOf('viewer')]);
  const { secret } = (await api.post('/', { id: 'old-3', name: 'Old' }, admin)).body;

  t.is((await api.delete('/old-3', viewer)).status, 403);
  t.deepEqual(await client.authenticateDevice({ deviceId: 'old-3', secret }), { ok: true });
  t.is((await api.delete('/old-4', operator)).status, 404);
  t.is((await api.delete('/old-3', operator)).status, 204);
});
