import test from 'ava';
import { injectEvent } from '../../../test/support/events.js';
import { alertsWhen, createRule, listAlerts, recordReadings, startAlertsHost } from './alerts-host.js';

test('when readings keep breaching and an event is redelivered, then exactly one alert is open for the rule and device', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const rule = await createRule(h, { name: 'too hot', metric: 'temp', op: 'gt', threshold: 50 });

  const first = await recordReadings(h, 'd1', [['temp', 60], ['temp', 70]]);
  await recordReadings(h, 'd1', [['temp', 80]]);
  await recordReadings(h, 'd1', [['temp', 60], ['temp', 70]], first);
  await recordReadings(h, 'd1', [['temp', 90]]);
  await recordReadings(h, 'd1', [['humidity', 10]]);
  const marker = await createRule(h, { metric: 'marker', op: 'gt', threshold: 0 });
  await recordReadings(h, 'd1', [['marker', 1]]);

  const alerts = await alertsWhen(h, (all) => all.some((a) => a.ruleId === marker.id), '', 'every event handled');
  const ofRule = alerts.filter((a) => a.ruleId === rule.id);
  t.is(ofRule.length, 1);
  t.like(ofRule[0], { ruleName: 'too hot', deviceId: 'd1', metric: 'temp', state: 'open', value: 60, threshold: 50, acknowledgedAt: null, resolvedAt: null });
});

test('when a reading comes back within bounds, then the alert is resolved and a new breach opens a new one', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  await createRule(h, { metric: 'temp', op: 'gt', threshold: 50 });
  await recordReadings(h, 'd1', [['temp', 60]]);
  const [raised] = await alertsWhen(h, (alerts) => alerts.length === 1, '', 'the alert');

  await recordReadings(h, 'd1', [['temp', 40]]);

  const [resolved] = await alertsWhen(h, (alerts) => alerts[0]?.state === 'resolved', '', 'the alert resolved');
  t.is(resolved.id, raised.id);
  t.true(Date.parse(resolved.resolvedAt!) >= Date.parse(resolved.raisedAt));
  await recordReadings(h, 'd1', [['temp', 55]]);
  const again = await alertsWhen(h, (alerts) => alerts.length === 1, '?state=open', 'a second alert');
  t.not(again[0].id, raised.id);
  t.is(again[0].value, 55);
});

test('when one event holds a breach then a recovery, then an alert is raised and resolved in it', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  await createRule(h, { metric: 'temp', op: 'gt', threshold: 50 });

  await recordReadings(h, 'd1', [['temp', 60], ['temp', 40], ['temp', 45]]);

  const alerts = await alertsWhen(h, (all) => all.length > 0, '', 'the alert');
  t.is(alerts.length, 1);
  t.like(alerts[0], { state: 'resolved', value: 60 });
});

test('when readings of one event arrive out of time order, then they are evaluated by timestamp', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  await createRule(h, { metric: 'temp', op: 'gt', threshold: 50 });
  const readings = [
    { metric: 'temp', ts: '2030-02-01T00:00:02Z', value: 40 },
    { metric: 'temp', ts: '2030-02-01T00:00:01Z', value: 60 },
  ];

  await injectEvent(h, 'telemetry', 'readingsRecorded', { devices: [{ deviceId: 'd1', readings }] });

  const alerts = await alertsWhen(h, (all) => all.length > 0, '', 'the alert');
  t.like(alerts[0], { state: 'resolved', value: 60 });
});

test('when a rule targets one device and another all devices, then each fires only where it applies', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const everywhere = await createRule(h, { metric: 'temp', op: 'gt', threshold: 50 });
  const onlyD1 = await createRule(h, { deviceId: 'd1', metric: 'temp', op: 'gt', threshold: 50 });

  await recordReadings(h, 'd2', [['temp', 60]]);
  await recordReadings(h, 'd1', [['temp', 60]]);

  const alerts = await alertsWhen(h, (all) => all.some((a) => a.deviceId === 'd1' && a.ruleId === onlyD1.id), '', 'd1 alerts');
  const pairs = alerts.map((a) => `${a.ruleId === everywhere.id ? 'everywhere' : 'onlyD1'}/${a.deviceId}`).sort();
  t.deepEqual(pairs, ['everywhere/d1', 'everywhere/d2', 'onlyD1/d1']);
});

test('when alerts are listed with filters, then only matching ones come back, newest first', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  await createRule(h, { metric: 'temp', op: 'gt', threshold: 50 });
  await recordReadings(h, 'd1', [['temp', 60], ['temp', 10]]);
  await recordReadings(h, 'd2', [['temp', 60]]);
  await recordReadings(h, 'd3', [['temp', 60]]);
  await alertsWhen(h, (all) => all.length === 3, '', 'three alerts');

  const open = await listAlerts(h, '?state=open');
  const ofD1 = await listAlerts(h, '?deviceId=d1');
  const resolvedOfD2 = await listAlerts(h, '?state=resolved&deviceId=d2');

  t.deepEqual(open.map((a) => a.deviceId).sort(), ['d2', 'd3']);
  t.deepEqual(ofD1.map((a) => a.state), ['resolved']);
  t.deepEqual(resolvedOfD2, []);
  const raisedAt = (await listAlerts(h)).map((a) => a.raisedAt);
  t.deepEqual(raisedAt, [...raisedAt].sort().reverse());
  t.is((await h.call('GET', '/?state=closed', h.viewer)).status, 400);
});

test('when one event holds several devices, then each device is walked through its own readings and rules', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const everywhere = await createRule(h, { metric: 'temp', op: 'gt', threshold: 50 });
  const onlyD2 = await createRule(h, { deviceId: 'd2', metric: 'hum', op: 'lt', threshold: 10 });
  const reading = (metric: string, second: number, value: number) => ({ metric, ts: `2030-03-01T00:00:0${second}Z`, value });
  const devices = [
    { deviceId: 'd1', readings: [reading('temp', 2, 40), reading('temp', 1, 60)] },
    { deviceId: 'd2', readings: [reading('temp', 1, 70), reading('hum', 1, 5)] },
    { deviceId: 'd3', readings: [reading('temp', 1, 20), reading('hum', 1, 5)] },
  ];

  await injectEvent(h, 'telemetry', 'readingsRecorded', { devices });

  const alerts = await alertsWhen(h, (all) => all.length >= 3, '', 'three alerts');
  const seen = alerts.map((a) => `${a.ruleId === everywhere.id ? 'everywhere' : a.ruleId === onlyD2.id ? 'onlyD2' : '?'}/${a.deviceId}/${a.state}`).sort();
  t.deepEqual(seen, ['everywhere/d1/resolved', 'everywhere/d2/open', 'onlyD2/d2/open']);
});
