import test from 'ava';
import { eventually } from '../../../test/support/host.js';
import { openSealedSecret } from '../../../test/support/sealed-secrets.js';
import { eventsOf, startDevicesHost } from './hosting.js';
import { isoInstant } from './http.js';

test('when an operator registers a device, then 201 with its secret once, and deviceRegistered is published', async (t) => {
  const devices = await startDevicesHost(t);
  const { api } = devices;
  const operator = await devices.tokenOf('operator');

  const created = await api.post('/', { id: 'pump-1', name: 'Pump 1', labels: { site: 'north' } }, operator);

  t.is(created.status, 201);
  t.like(created.body, { id: 'pump-1', name: 'Pump 1', labels: { site: 'north' }, online: false, lastSeenAt: null });
  t.regex(created.body.createdAt, isoInstant);
  t.regex(created.body.secret, /^[A-Za-z0-9_-]{43}$/);
  const event = await eventually(async () => eventsOf(devices, 'deviceRegistered', 'pump-1')[0], 5000, 'deviceRegistered');
  t.deepEqual(event.data, { id: 'pump-1', name: 'Pump 1', labels: { site: 'north' } });
});

test('when a device is registered and its secret rotated, then each secret is published in deviceSecretIssued sealed under the bus key, never in the clear', async (t) => {
  const devices = await startDevicesHost(t);
  const { api, admin } = devices;
  const first = (await api.post('/', { id: 'seal-1', name: 'Sealed' }, admin)).body.secret;
  const second = (await api.post('/seal-1/secret', undefined, admin)).body.secret;

  const issued = await eventually(async () => {
    const events = eventsOf(devices, 'deviceSecretIssued', 'seal-1');
    return events.length === 2 ? events.map((e) => e.data.secret as string) : undefined;
  }, 5000, 'two deviceSecretIssued');
  t.false(issued.some((sealed) => sealed.includes(first) || sealed.includes(second)));
  t.deepEqual(issued.map((sealed) => openSealedSecret('seal-1', sealed)), [first, second]);
});

test('when a device is registered, then get and list show it without its secret or hash', async (t) => {
  const { api, admin } = await startDevicesHost(t);
  const created = await api.post('/', { id: 'quiet-1', name: 'Quiet' }, admin);

  const one = await api.get('/quiet-1', admin);
  const list = await api.get('/', admin);

  const { secret, ...device } = created.body;
  t.deepEqual(one.body, device);
  t.deepEqual(list.body, { devices: [device] });
  t.deepEqual(device.labels, {});
  for (const text of api.seen.slice(1)) {
    t.false(text.includes(secret), text);
    t.false(/secret|scrypt\$/i.test(text), text);
  }
});

test('when no id is given, then a short url-safe id is generated', async (t) => {
  const { api, admin } = await startDevicesHost(t);

  const first = await api.post('/', { name: 'Anonymous' }, admin);
  const second = await api.post('/', { name: 'Anonymous' }, admin);

  t.is(first.status, 201);
  t.regex(first.body.id, /^d-[a-z2-7]{10}$/);
  t.not(first.body.id, second.body.id);
  t.is((await api.get(`/${first.body.id}`, admin)).status, 200);
});

test('when the id is already registered, then 409 and the first device keeps its secret', async (t) => {
  const { api, admin, client } = await startDevicesHost(t);
  const first = await api.post('/', { id: 'twin', name: 'First' }, admin);

  const again = await api.post('/', { id: 'twin', name: 'Second' }, admin);

  t.is(again.status, 409);
  t.is(again.body.code, 'CONFLICT');
  t.is((await api.get('/twin', admin)).body.name, 'First');
  t.deepEqual(await client.authenticateDevice({ deviceId: 'twin', secret: first.body.secret }), { ok: true });
});

test('when the id, name or labels are malformed, then 400 naming the field', async (t) => {
  const { api, admin } = await startDevicesHost(t);
  const cases = [
    [{ id: 'has space', name: 'x' }, '/id'],
    [{ id: 'x'.repeat(65), name: 'x' }, '/id'],
    [{ id: 'a/b', name: 'x' }, '/id'],
    [{ id: 'ok-id' }, '/name'],
    [{ name: '' }, '/name'],
    [{ name: 'x', labels: { site: 1 } }, '/labels/site'],
  ] as const;
  for (const [body, field] of cases) {
    const res = await api.post('/', body, admin);

    t.is(res.status, 400, field);
    t.true(res.body.errors?.some((e: { path: string }) => e.path === field), `${field} in ${res.text}`);
  }
  t.deepEqual((await api.get('/', admin)).body, { devices: [] });
});

test('when a viewer registers, then 403, but a viewer can list and read devices', async (t) => {
  const { api, admin, tokenOf } = await startDevicesHost(t);
  const viewer = await tokenOf('viewer');
  await api.post('/', { id: 'seen-1', name: 'Seen' }, admin);

  const refused = await api.post('/', { id: 'viewer-made', name: 'No' }, viewer);
  const list = await api.get('/', viewer);
  const one = await api.get('/seen-1', viewer);

  t.is(refused.status, 403);
  t.deepEqual(list.body.devices.map((d: { id: string }) => d.id), ['seen-1']);
  t.is(one.status, 200);
});

test('when nobody is logged in, then the routes answer 401', async (t) => {
  const { api } = await startDevicesHost(t);

  t.is((await api.post('/', { name: 'x' })).status, 401);
  t.is((await api.get('/')).status, 401);
});

test('when an unknown device is read, then 404', async (t) => {
  const { api, admin } = await startDevicesHost(t);

  const res = await api.get('/no-such-device', admin);

  t.is(res.status, 404);
  t.is(res.body.code, 'NOT_FOUND');
});
