import { scenario } from './fixture.js';

scenario('when the device replies ok, then the command succeeded with its result and commandSucceeded is published', async (t, c) => {
  const device = await c.device();
  const command = await c.send(device.id, 'read-config');
  await c.listener.markCommandDelivered({ deviceId: device.id, id: command.id });

  const { results } = await c.reply(device.id, { id: command.id, ok: true, result: { version: '1.2.0' } });

  t.deepEqual(results, [{ accepted: true }]);
  t.like((await c.http('GET', `/${command.id}`)).body, { state: 'succeeded', result: { version: '1.2.0' }, error: null });
  t.deepEqual((await c.eventOf('commandSucceeded', command.id)).data, {
    id: command.id,
    deviceId: device.id,
    name: 'read-config',
    result: { version: '1.2.0' },
  });
  t.deepEqual((await c.listener.listPendingCommands({ deviceId: device.id })).messages, []);
});

scenario('when the device replies with an error, then the command failed with it and commandFailed is published', async (t, c) => {
  const device = await c.device();
  const command = await c.send(device.id, 'reboot');

  const { results } = await c.reply(device.id, { id: command.id, ok: false, error: { code: 'BUSY', message: 'updating firmware' } });

  t.deepEqual(results, [{ accepted: true }]);
  t.like((await c.http('GET', `/${command.id}`)).body, { state: 'failed', result: null, error: { code: 'BUSY', message: 'updating firmware' } });
  t.deepEqual((await c.eventOf('commandFailed', command.id)).data, {
    id: command.id,
    deviceId: device.id,
    name: 'reboot',
    error: { code: 'BUSY', message: 'updating firmware' },
  });
});

scenario('when the same reply comes again, then it is accepted with no second effect, and a different one is refused', async (t, c) => {
  const device = await c.device();
  const command = await c.send(device.id);
  const next = await c.send(device.id);
  const reply = { id: command.id, ok: true, result: { uptime: 3 } };
  await c.reply(device.id, reply);

  const { results } = await c.reply(device.id, reply, { id: command.id, ok: false, error: { code: 'LATE', message: 'changed my mind' } });
  await c.reply(device.id, { id: next.id, ok: true });

  t.deepEqual(results, [
    { accepted: true },
    { accepted: false, code: 'COMMAND_FINISHED', reason: `command ${command.id} is already succeeded`, id: command.id },
  ]);
  await c.eventOf('commandSucceeded', next.id);
  t.is(c.seen.filter((e) => e.data.id === command.id && e.event === 'commandSucceeded').length, 1);
  t.like((await c.http('GET', `/${command.id}`)).body, { state: 'succeeded', result: { uptime: 3 } });
});

scenario("when a device answers another device's command, then it is refused as unknown and the command is unchanged", async (t, c) => {
  const [owner, intruder] = [await c.device(), await c.device()];
  const command = await c.send(owner.id);

  const { results } = await c.reply(intruder.id, { id: command.id, ok: true }, { id: 'never-sent', ok: true });

  t.deepEqual(results, [
    { accepted: false, code: 'UNKNOWN_COMMAND', reason: `no command ${command.id} was sent to this device`, id: command.id },
    { accepted: false, code: 'UNKNOWN_COMMAND', reason: 'no command never-sent was sent to this device', id: 'never-sent' },
  ]);
  t.is((await c.http('GET', `/${command.id}`)).body.state, 'pending');
});

scenario('when a reply is not JSON or has the wrong shape, then it is refused naming the field, alone in its group', async (t, c) => {
  const device = await c.device();
  const command = await c.send(device.id);

  const { results } = await c.reply(
    device.id,
    'not json',
    [1],
    { ok: true },
    { id: command.id, ok: 'yes' },
    { id: command.id, ok: true, result: [1] },
    { id: command.id, ok: false, error: { message: 'no code' } },
    { id: command.id, ok: true },
  );

  t.deepEqual(results, [
    { accepted: false, code: 'MALFORMED_JSON', reason: 'the payload is not JSON' },
    { accepted: false, code: 'INVALID_PAYLOAD', reason: 'a reply must be a JSON object' },
    { accepted: false, code: 'INVALID_PAYLOAD', reason: 'id: must be the command id, a string of 1 to 256 characters' },
    { accepted: false, code: 'INVALID_PAYLOAD', reason: 'ok: must be true or false', id: command.id },
    { accepted: false, code: 'INVALID_PAYLOAD', reason: 'result: must be a JSON object', id: command.id },
    { accepted: false, code: 'INVALID_PAYLOAD', reason: 'error.code: must be a string of 1 to 64 characters', id: command.id },
    { accepted: true },
  ]);
  t.like((await c.http('GET', `/${command.id}`)).body, { state: 'succeeded', result: {} });
});
