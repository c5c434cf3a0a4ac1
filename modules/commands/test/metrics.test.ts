import { eventually } from '../../../test/support/host.js';
import { scenario } from './fixture.js';

/** The host's count of commands that entered `state`, from its `/metrics`. */
async function entered(url: string, state: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`cleave_commands_state_changes_total{state="${state}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

scenario('when commands go through their states, then /metrics counts each state entered, once per change', async (t, c) => {
  const device = await c.device();
  const answered = await c.send(device.id, 'reboot');
  const failing = await c.send(device.id, 'open');
  const cancelled = await c.send(device.id, 'close');
  await c.send(device.id, 'ping', {}, 1);

  await c.listener.markCommandDelivered({ deviceId: device.id, id: answered.id });
  await c.listener.markCommandDelivered({ deviceId: device.id, id: answered.id });
  await c.reply(device.id, { id: answered.id, ok: true }, { id: failing.id, ok: false, error: { code: 'E', message: 'no' } });
  await c.http('DELETE', `/${cancelled.id}`);

  const url = c.test.url;
  await eventually(async () => ((await entered(url, 'expired')) === 1 ? true : undefined), 5000, 'the short command to expire');
  const counts = Object.fromEntries(
    await Promise.all(['pending', 'delivered', 'succeeded', 'failed', 'cancelled', 'expired'].map(async (s) => [s, await entered(url, s)])),
  );
  t.deepEqual(counts, { pending: 4, delivered: 1, succeeded: 1, failed: 1, cancelled: 1, expired: 1 });
});
