import test from 'ava';
import { slowHash } from '../../../src/index.js';
import { eventually } from '../../../test/support/host.js';
import { eventsOf, startDevicesHost } from './hosting.js';

test('when a device presents its secret, then ok; a wrong secret or an unknown id is refused', async (t) => {
  const { api, admin, client } = await startDevicesHost(t);
  const { secret } = (await api.post('/', { id: 'gate-1', name: 'Gate' }, admin)).body;

  t.deepEqual(await client.authenticateDevice({ deviceId: 'gate-1', secret }), { ok: true });
  t.deepEqual(await client.authenticateDevice({ deviceId: 'gate-1', secret: `${secret}x` }), { ok: false });
  t.deepEqual(await client.authenticateDevice({ deviceId: 'gate-1', secret: '' }), { ok: false });
  t.deepEqual(await client.authenticateDevice({ deviceId: 'gate-2', secret }), { ok: false });
});

test('when the secret is rotated, then the old one fails at once, the new one works and the rotation is published', async (t) => {
  const devices = await startDevicesHost(t);
  const { api, admin, client } = devices;
  const old = (await api.post('/', { id: 'gate-3', name: 'Gate' }, admin)).body.secret;

  const rotated = await api.post('/gate-3/secret', undefined, admin);

  t.is(rotated.status, 200);
  t.is(rotated.body.id, 'gate-3');
  t.not(rotated.body.secret, old);
  t.deepEqual(await client.authenticateDevice({ deviceId: 'gate-3', secret: old }), { ok: false });
  t.deepEqual(await client.authenticateDevice({ deviceId: 'gate-3', secret: rotated.body.secret }), { ok: true });
  const event = await eventually(async () => eventsOf(devices, 'deviceSecretRotated', 'gate-3')[0], 5000, 'rotation');
  t.deepEqual(event.data, { id: 'gate-3' });
  t.false((await api.get('/gate-3', admin)).text.includes(rotated.body.secret));
});

test('when a viewer rotates a secret, then 403; an operator may, and an unknown device is 404', async (t) => {
  const { api, admin, tokenOf } = await startDevicesHost(t);
  const [operator, viewer] = await Promise.all([tokenOf('operator'), tokenOf('viewer')]);
  await api.post('/', { id: 'gate-4', name: 'Gate' }, admin);

  t.is((await api.post('/gate-4/secret', undefined, viewer)).status, 403);
  t.is((await api.post('/gate-4/secret', undefined, operator)).status, 200);
  t.is((await api.post('/gate-5/secret', undefined, operator)).status, 404);
});

test('when a body names another device than the path, then the path wins: only the device in the path is rotated', async (t) => {
  const { api, admin, client } = await startDevicesHost(t);
  const { secret: secretA } = (await api.post('/', { id: 'pa', name: 'A' }, admin)).body;
  const { secret: secretB } = (await api.post('/', { id: 'pb', name: 'B' }, admin)).body;

  const rotated = await api.post('/pa/secret', { id: 'pb' }, admin);

  t.is(rotated.status, 200);
  t.is(rotated.body.id, 'pa');
  t.deepEqual(await client.authenticateDevice({ deviceId: 'pa', secret: secretA }), { ok: false });
  t.deepEqual(await client.authenticateDevice({ deviceId: 'pb', secret: secretB }), { ok: true });
});

test('when a device still has a secret hashed with scrypt, then it authenticates and its verifier is stored anew', async (t) => {
  const { api, admin, client, test: host } = await startDevicesHost(t);
  const { secret } = (await api.post('/', { id: 'gate-6', name: 'Gate' }, admin)).body;
  const store = host.host.database('devices')!;
  await store('devices').where({ id: 'gate-6' }).update({ secret_hash: await slowHash({ N: 2 ** 14 }).hash(secret) });

  t.deepEqual(await client.authenticateDevice({ deviceId: 'gate-6', secret: `${secret}x` }), { ok: false });
  t.deepEqual(await client.authenticateDevice({ deviceId: 'gate-6', secret }), { ok: true });

  const { secret_hash: stored } = await store('devices').where({ id: 'gate-6' }).first('secret_hash');
  t.regex(stored, /^hmac-sha256\$/);
  t.deepEqual(await client.authenticateDevice({ deviceId: 'gate-6', secret }), { ok: true });
  t.deepEqual(await client.authenticateDevice({ deviceId: 'gate-6', secret: `${secret}x` }), { ok: false });
});
