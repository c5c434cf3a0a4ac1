import test from 'ava';
import { assertOneErrorLine, cleave, sandbox } from './fixtures/cli-run.js';
import { startTestHost } from './support/host.js';
import { mosquittoForFile } from './support/broker-per-file.js';

const broker = mosquittoForFile('cleave status tests');
if (broker.available) {

  test('when hosts run on the MQTT bus, then status lists each with its modules, their contract versions and HTTP address, and drops one that stopped', async (t) => {
    const bus = { 'bus.transport': 'mqtt', 'bus.mqtt.url': broker.url, 'bus.namespace': 'status-a' };
    const identity = await startTestHost({ config: { ...bus, modules: 'identity', 'bus.instance': 'one' } });
    const telemetry = await startTestHost({ config: { ...bus, modules: 'telemetry,alerts', 'bus.instance': 'two' } });
    const box = sandbox(t, { CLEAVE_BUS_NAMESPACE: 'status-a' });
    try {
      const listed = await cleave(box, 'status', '--mqtt-url', broker.url, '--json');
      t.is(listed.code, 0, listed.stderr);
      const instances = JSON.parse(listed.stdout) as Array<{ instanceId: string; modules: string[]; contracts: Record<string, string>; http: string }>;
      t.deepEqual(instances.map((i) => [i.instanceId, i.modules, i.contracts, i.http]), [
        ['one', ['identity'], { identity: '1.0.0' }, identity.url],
        ['two', ['telemetry', 'alerts'], { telemetry: '1.0.0', alerts: '1.0.0' }, telemetry.url],
      ]);

      await telemetry.stop();

      const table = await cleave(box, 'status', '--mqtt-url', broker.url);
      t.is(table.code, 0, table.stderr);
      const lines = table.stdout.trim().split('\n');
      t.regex(lines[0], /^INSTANCE\s+MODULES\s+HTTP\s+VERSION\s+STARTED\s+CIRCUITS$/);
      t.is(lines.length, 2);
      t.regex(lines[1], /^one\s+identity@1\.0\.0\s+http:\/\/127\.0\.0\.1:\d+\s+\d+\.\d+\.\d+\s+\d{4}-/);
    } finally {
      await identity.stop();
      await telemetry.stop();
    }
  });

  test('when nothing runs in the namespace, then status says so and exits 0', async (t) => {
    const result = await cleave(sandbox(t, { CLEAVE_BUS_NAMESPACE: 'status-empty' }), 'status', '--mqtt-url', broker.url);

    t.is(result.code, 0);
    t.is(result.stdout.trim(), `no live instances in namespace "status-empty" on ${broker.url}`);
  });
}

test('when the broker cannot be reached, then status exits 1 with one line naming it', async (t) => {
  const result = await cleave(sandbox(t), 'status', '--mqtt-url', 'mqtt://127.0.0.1:1');

  t.is(result.code, 1);
  assertOneErrorLine(t, result.stderr, 'mqtt://127.0.0.1:1');
});
