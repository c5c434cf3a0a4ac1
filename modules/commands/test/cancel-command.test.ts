import { scenario } from './fixture.js';

scenario('when an operator cancels an unanswered command, then it is cancelled, published, no longer offered, and a later reply is refused', async (t, c) => {
  const device = await c.device();
  const command = await c.send(device.id);
  await c.listener.markCommandDelivered({ deviceId: device.id, id: command.id });

  const res = await c.http('DELETE', `/${command.id}`);

  t.is(res.status, 200);
  t.like(res.body, { id: command.id, state: 'cancelled' });
  t.truthy(res.body.finishedAt);
  t.deepEqual((await c.eventOf('commandCancelled', command.id)).data, { id: command.id, deviceId: device.id, name: 'reboot' });
  t.deepEqual((await c.listener.listPendingCommands({ deviceId: device.id })).messages, []);
  t.deepEqual((await c.reply(device.id, { id: command.id, ok: true })).results, [
    { accepted: false, code: 'COMMAND_FINISHED', reason: `command ${command.id} is already cancelled`, id: command.id },
  ]);
});

scenario('when a finished or unknown command is cancelled, then the answer is 409 or 404', async (t, c) => {
  const device = await c.device();
  const command = await c.send(device.id);
  await c.reply(device.id, { id: command.id, ok: true });

  const finished = await c.http('DELETE', `/${command.id}`);
  const unknown = await c.http('DELETE', '/no-such-command');

  t.is(finished.status, 409);
  t.is(finished.body.detail, `command ${command.id} is already succeeded: only a pending or delivered command can be cancelled`);
  t.is(unknown.status, 404);
  t.is(unknown.body.detail, 'command no-such-command not found');
});
