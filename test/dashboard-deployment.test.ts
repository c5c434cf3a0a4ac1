import test from 'ava';
import { mosquittoForFile } from './support/broker-per-file.js';
import { signIn } from './support/dashboard.js';
import { processGroups } from './support/deployments.js';
import { adminEmail, adminPassword, eventually } from './support/host.js';

const broker = mosquittoForFile('dashboard of a split deployment');

const groups = [['identity', 'devices'], ['telemetry', 'alerts', 'commands']];

async function bearer(url: string): Promise<string> {
  const res = await fetch(`${url}/api/identity/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: adminEmail, password: adminPassword }) });
  return ((await res.json()) as { token: string }).token;
}

if (!broker.available) test('the split deployment dashboard needs mosquitto', (t) => t.pass('mosquitto is not installed'));
else {
  test('when the deployment is split over processes, then the gateway dashboard shows every instance, the panels of modules it does not host, and rates', async (t) => {
    const deployment = await processGroups({ mqttUrl: broker.url }, groups);
    t.teardown(() => deployment.stop());
    const cookie = await signIn(deployment);
    const panel = async (path: string) => (await fetch(`${deployment.url}/dashboard/panels/${path}`, { headers: { cookie, 'hx-request': 'true' } })).text();

    const instances = await panel('kernel/instances');
    t.is(instances.match(/<tr data-instance=/g)?.length, 3, 'two groups and the gateway');
    for (const group of groups) t.true(instances.includes(group.map((m) => `<span class="tag">${m}</span>`).join('')), group.join(','));

    const token = await bearer(deployment.url);
    const api = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${deployment.url}/api/devices`, { method: 'POST', headers: api, body: JSON.stringify({ name: 'Pump <3>' }) });
    const { id } = (await created.json()) as { id: string };
    t.regex(await panel('devices/devices'), new RegExp(`<tr data-device="${id}">[\\s\\S]*Pump &lt;3&gt;`), 'the gateway renders the devices panel');

    // Each instance sums up its counters every 5 s: keep calling devices until a rate shows for it.
    const devicesRate = await eventually(async () => {
      await fetch(`${deployment.url}/api/devices`, { headers: api });
      const row = /<tr data-module="devices">.*?<\/tr>/s.exec(await panel('kernel/modules'))?.[0] ?? '';
      const requests = /<td class="num">([^<]+)<\/td>/.exec(row)?.[1];
      return requests !== undefined && requests !== '…' && requests !== '0' ? requests : undefined;
    }, 30_000, 'a request rate for the devices module');
    t.regex(devicesRate, /^(< 0\.1|\d+\.\d)$/);
  });
}
