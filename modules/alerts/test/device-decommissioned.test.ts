import test from 'ava';
import { injectEvent } from '../../../test/support/events.js';
import { alertsWhen, createRule, recordReadings, startAlertsHost } from './alerts-host.js';

test('when a device is decommissioned, then its alerts are resolved and the rules only it had are deleted', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const everywhere = await createRule(h, { metric: 'temp', op: 'gt', threshold: 50 });
  await createRule(h, { deviceId: 'd1', metric: 'temp', op: 'gt', threshold: 40 });
  const onlyD2 = await createRule(h, { deviceId: 'd2', metric: 'temp', op: 'gt', threshold: 40 });
  await recordReadings(h, 'd1', [['temp', 60]]);
  await recordReadings(h, 'd2', [['temp', 60]]);
  const before = await alertsWhen(h, (all) => all.length === 4, '?state=open', 'four open alerts');
  const acked = before.find((a) => a.deviceId === 'd1')!;
  t.is((await h.call('POST', `/${acked.id}/ack`, h.operator)).status, 200);

  await injectEvent(h, 'devices', 'deviceDecommissioned', { id: 'd1' });

  const ofD1 = await alertsWhen(h, (all) => all.every((a) => a.state === 'resolved'), '?deviceId=d1', 'd1 alerts resolved');
  t.is(ofD1.length, 2);
  t.true(ofD1.every((a) => a.resolvedAt !== null));
  t.deepEqual((await alertsWhen(h, () => true, '?deviceId=d2')).map((a) => a.state), ['open', 'open']);
  const rules = (await h.call('GET', '/rules', h.viewer)).body.rules.map((r: { id: string }) => r.id).sort();
  t.deepEqual(rules, [everywhere.id, onlyD2.id].sort());
});
