import test from 'ava';
import { alertsWhen, createRule, recordReadings, startAlertsHost } from './alerts-host.js';

test('when a reading sits exactly on the threshold, then only gte and lte breach; just past it, gt and lt do', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) await createRule(h, { deviceId: 'd1', metric: op, op, threshold: 10 });

  await recordReadings(h, 'd1', [['gt', 10], ['gte', 10], ['lt', 10], ['lte', 10]]);
  await recordReadings(h, 'd1', [['gt', 10.001], ['gte', 9.999], ['lt', 9.999], ['lte', 10.001]]);

  // Had a reading on the threshold opened gt or lt, the alert would hold 10, not the later value.
  const alerts = await alertsWhen(h, (all) => all.length === 4, '', 'four alerts');
  const byOp = Object.fromEntries(alerts.map((a) => [a.metric, { state: a.state, value: a.value }]));
  t.deepEqual(byOp, {
    gt: { state: 'open', value: 10.001 },
    gte: { state: 'resolved', value: 10 },
    lt: { state: 'open', value: 9.999 },
    lte: { state: 'resolved', value: 10 },
  });
});
