import { scenario } from './fixture.js';

scenario("when the listener asks for a device's pending commands, then it gets that device's unanswered ones, oldest first", async (t, c) => {
  const [device, other] = [await c.device(), await c.device()];
  const first = await c.send(device.id, 'reboot', { delay: 5 });
  await c.send(other.id, 'reboot');
  const second = await c.send(device.id, 'set-point', { celsius: 20 });
  const answered = await c.send(device.id, 'ping');
  await c.reply(device.id, { id: answered.id, ok: true });

  const { messages } = await c.listener.listPendingCommands({ deviceId: device.id });

  t.deepEqual(messages, [
    { id: first.id, topic: 'commands/reboot', payload: JSON.stringify({ id: first.id, args: { delay: 5 }, expiresAt: first.expiresAt }) },
    { id: second.id, topic: 'commands/set-point', payload: JSON.stringify({ id: second.id, args: { celsius: 20 }, expiresAt: second.expiresAt }) },
  ]);
});

scenario('when the device acknowledges a command, then it is delivered and still offered until it is answered', async (t, c) => {
  const device = await c.device();
  const command = await c.send(device.id);

  await c.listener.markCommandDelivered({ deviceId: device.id, id: command.id });
  await c.listener.markCommandDelivered({ deviceId: device.id, id: command.id });
  await c.listener.markCommandDelivered({ deviceId: device.id, id: 'no-such-command' });

  const delivered = (await c.http('GET', `/${command.id}`)).body;
  t.is(delivered.state, 'delivered');
  t.truthy(delivered.deliveredAt);
  t.deepEqual((await c.listener.listPendingCommands({ deviceId: device.id })).messages.map((m) => m.id), [command.id]);
});
