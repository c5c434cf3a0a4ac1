import { commandsContract } from '../contract.js';
import { scenario } from './fixture.js';

scenario('when a viewer tries to send or cancel, then the answer is 403, and the device ports refuse users', async (t, c) => {
  const device = await c.device();
  const command = await c.send(device.id);
  const created = await fetch(`${c.test.url}/api/identity/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${c.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'viewer@example.test', password: 'viewer-password-1', role: 'viewer' }),
  });
  t.is(created.status, 201);
  const viewer = await c.test.login('viewer@example.test', 'viewer-password-1');

  t.is((await c.http('POST', '', { deviceId: device.id, name: 'reboot', args: {} }, viewer)).status, 403);
  t.is((await c.http('DELETE', `/${command.id}`, undefined, viewer)).status, 403);
  t.is((await c.http('GET', `/${command.id}`, undefined, viewer)).status, 200);
  const asAdmin = c.test.host.bus.client(commandsContract, { principal: { sub: 'someone', role: 'admin' } });
  await t.throwsAsync(asAdmin.listPendingCommands({ deviceId: device.id }), { code: 'PERMISSION_DENIED' } as never);
});
