import { eventually } from '../../../test/support/host.js';
import { scenario } from './fixture.js';

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

scenario('when an operator sends a command to a registered device, then it is pending until its TTL and commandQueued is published', async (t, c) => {
  const device = await c.device();

  const res = await c.http('POST', '', { deviceId: device.id, name: 'set-point', args: { celsius: 21.5 }, ttlSeconds: 60 });

  t.is(res.status, 202);
  const { id, createdAt, expiresAt } = res.body;
  t.like(res.body, { deviceId: device.id, name: 'set-point', args: { celsius: 21.5 }, state: 'pending' });
  t.regex(createdAt, iso);
  t.is(Date.parse(expiresAt) - Date.parse(createdAt), 60_000);
  t.like((await c.http('GET', `/${id}`)).body, { id, state: 'pending', deliveredAt: null, finishedAt: null, result: null, error: null });
  t.deepEqual((await c.eventOf('commandQueued', id)).data, { id, deviceId: device.id, name: 'set-point' });
});

scenario('when no TTL is given, then the command waits an hour', async (t, c) => {
  const device = await c.device();

  const command = await c.send(device.id);

  t.is(Date.parse(command.expiresAt) - Date.parse(command.createdAt), 3_600_000);
});

scenario('when the device was never registered, then the answer is 404 naming it', async (t, c) => {
  const res = await c.http('POST', '', { deviceId: 'nobody', name: 'reboot', args: {} });

  t.is(res.status, 404);
  t.is(res.body.detail, 'device nobody not found');
});

scenario('when the device is decommissioned, then the answer is 409 saying so', async (t, c) => {
  const device = await c.device();
  t.is((await fetch(`${c.test.url}/api/devices/${device.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${c.admin}` } })).status, 204);

  // Until the decommission reaches the commands module, the registry itself says the device is gone (404).
  const res = await eventually(async () => {
    const answer = await c.http('POST', '', { deviceId: device.id, name: 'reboot', args: {} });
    return answer.status === 409 ? answer : undefined;
  }, 5000, 'the decommission to be known');

  t.is(res.body.detail, `device ${device.id} is decommissioned: it takes no more commands`);
});

scenario(
  "when the devices module's events have not arrived, then a device it has registered is found by asking it",
  async (t, c) => {
    const device = await c.device();

    const res = await c.http('POST', '', { deviceId: device.id, name: 'reboot', args: {} });

    t.is(res.status, 202);
  },
  { 'bus.outbox.relay': false },
);

scenario('when args are not an object or too big, then the answer is 400 naming args', async (t, c) => {
  const device = await c.device();
  const send = (args: unknown) => c.http('POST', '', { deviceId: device.id, name: 'reboot', args });

  for (const args of [[1, 2], 'text', null]) {
    const res = await send(args);
    t.is(res.status, 400, JSON.stringify(args));
    t.regex(res.body.detail, /\/args/);
  }
  const big = await send({ blob: 'x'.repeat(16 * 1024) });
  t.is(big.status, 400);
  t.regex(big.body.detail, /^args: must be at most 16384 bytes as JSON; these are 16395$/);
  t.is((await send({ blob: 'x'.repeat(16 * 1024 - 11) })).status, 202, 'exactly 16 KiB is allowed');
});

scenario('when the name or the TTL is out of bounds, then the answer is 400 naming the field', async (t, c) => {
  const device = await c.device();

  const badName = await c.http('POST', '', { deviceId: device.id, name: 'a/b', args: {} });
  const badTtl = await c.http('POST', '', { deviceId: device.id, name: 'reboot', args: {}, ttlSeconds: 604_801 });

  t.is(badName.status, 400);
  t.regex(badName.body.detail, /\/name/);
  t.is(badTtl.status, 400);
  t.regex(badTtl.body.detail, /\/ttlSeconds/);
});

scenario('when commands are listed, then the newest come first and filters apply', async (t, c) => {
  const [a, b] = [await c.device(), await c.device()];
  const first = await c.send(a.id, 'one');
  const second = await c.send(b.id, 'two');
  const third = await c.send(a.id, 'three');
  t.is((await c.http('DELETE', `/${first.id}`)).status, 200);

  const ids = async (query: string) => (await c.http('GET', query)).body.commands.map((command: { id: string }) => command.id);

  t.deepEqual(await ids(''), [third.id, second.id, first.id]);
  t.deepEqual(await ids(`?deviceId=${a.id}`), [third.id, first.id]);
  t.deepEqual(await ids(`?deviceId=${a.id}&state=pending`), [third.id]);
  t.deepEqual(await ids('?state=cancelled'), [first.id]);
  t.deepEqual(await ids('?limit=1'), [third.id]);
});
