import { scenario } from './fixture.js';

scenario('when the TTL passes before a reply, then the command expires, commandExpired is published and a late reply is refused', async (t, c) => {
  const device = await c.device();
  const command = await c.send(device.id, 'reboot', {}, 1);
  const delivered = await c.send(device.id, 'ping', {}, 1);
  await c.listener.markCommandDelivered({ deviceId: device.id, id: delivered.id });

  const expired = await c.eventOf('commandExpired', command.id);

  t.deepEqual(expired.data, { id: command.id, deviceId: device.id, name: 'reboot' });
  await c.eventOf('commandExpired', delivered.id);
  t.like((await c.http('GET', `/${command.id}`)).body, { state: 'expired', finishedAt: command.expiresAt });
  t.deepEqual((await c.listener.listPendingCommands({ deviceId: device.id })).messages, []);
  t.deepEqual((await c.reply(device.id, { id: command.id, ok: true })).results, [
    { accepted: false, code: 'COMMAND_FINISHED', reason: `command ${command.id} is already expired`, id: command.id },
  ]);
  t.is((await c.http('DELETE', `/${command.id}`)).status, 409);
  t.deepEqual((await c.http('GET', '?state=expired')).body.commands.map((x: { id: string }) => x.id), [delivered.id, command.id]);
});
