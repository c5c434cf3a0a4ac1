import test from 'ava';
import { alertsWhen, createRule, recordReadings, startAlertsHost, type AlertsHost } from './alerts-host.js';

async function openAlert(h: AlertsHost) {
  await createRule(h, { metric: 'temp', op: 'gt', threshold: 50 });
  await recordReadings(h, 'd1', [['temp', 60]]);
  const [alert] = await alertsWhen(h, (alerts) => alerts.length === 1, '?state=open', 'an open alert');
  return alert;
}

test('when an operator acknowledges an open alert, then it is acknowledged by them, and again changes nothing', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const alert = await openAlert(h);

  const acked = await h.call('POST', `/${alert.id}/ack`, h.operator);
  const again = await h.call('POST', `/${alert.id}/ack`, h.operator);

  t.is(acked.status, 200);
  t.like(acked.body, { id: alert.id, state: 'acknowledged', acknowledgedBy: h.operatorEmail, resolvedAt: null });
  t.true(Date.parse(acked.body.acknowledgedAt) >= Date.parse(alert.raisedAt));
  t.is(again.status, 200);
  t.deepEqual(again.body, acked.body);
  t.deepEqual(await alertsWhen(h, () => true, '?state=acknowledged'), [acked.body]);
});

test('when a viewer acknowledges an alert, then 403, though the viewer can list it', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const alert = await openAlert(h);

  const res = await h.call('POST', `/${alert.id}/ack`, h.viewer);

  t.is(res.status, 403);
  const listed = await h.call('GET', '/', h.viewer);
  t.is(listed.status, 200);
  t.like(listed.body.alerts[0], { id: alert.id, state: 'open' });
});

test('when an acknowledged alert keeps breaching, then no second alert opens, and a recovery resolves it', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const alert = await openAlert(h);
  await h.call('POST', `/${alert.id}/ack`, h.operator);

  await recordReadings(h, 'd1', [['temp', 70]]);
  await recordReadings(h, 'd1', [['temp', 20]]);

  const alerts = await alertsWhen(h, (all) => all[0]?.state === 'resolved', '', 'the alert resolved');
  t.is(alerts.length, 1);
  t.like(alerts[0], { id: alert.id, acknowledgedBy: h.operatorEmail });
});

test('when a resolved alert is acknowledged, then 409; an unknown one, 404', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const alert = await openAlert(h);
  await recordReadings(h, 'd1', [['temp', 20]]);
  await alertsWhen(h, (alerts) => alerts.length === 1, '?state=resolved', 'the alert resolved');

  t.is((await h.call('POST', `/${alert.id}/ack`, h.operator)).status, 409);
  t.is((await h.call('POST', '/no-such-alert/ack', h.operator)).status, 404);
});
