import test from 'ava';
import { alertsWhen, createRule, recordReadings, startAlertsHost } from './alerts-host.js';

test('when an operator creates a rule, then 201 with the rule and a viewer sees it listed', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());

  const created = await h.call('POST', '/rules', h.operator, { name: 'too hot', deviceId: 'd1', metric: 'temp', op: 'gt', threshold: 50 });

  t.is(created.status, 201);
  t.like(created.body, { name: 'too hot', deviceId: 'd1', metric: 'temp', op: 'gt', threshold: 50 });
  const listed = await h.call('GET', '/rules', h.viewer);
  t.is(listed.status, 200);
  t.deepEqual(listed.body.rules, [created.body]);
});

test('when a rule names no device, then it is stored for every device (deviceId null)', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());

  const created = await h.call('POST', '/rules', h.operator, { name: 'cold', metric: 'temp', op: 'lt', threshold: -5.5 });

  t.is(created.status, 201);
  t.like(created.body, { deviceId: null, threshold: -5.5 });
});

test('when a viewer creates or deletes a rule, then 403', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const rule = await createRule(h, { metric: 'temp', op: 'gt', threshold: 1 });

  t.is((await h.call('POST', '/rules', h.viewer, { name: 'x', metric: 'temp', op: 'gt', threshold: 1 })).status, 403);
  t.is((await h.call('DELETE', `/rules/${rule.id}`, h.viewer)).status, 403);
});

test('when a rule is invalid, then 400 naming the field', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const valid = { name: 'x', metric: 'temp', op: 'gt', threshold: 1 };

  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...valid, op: 'eq' }, /\/op/],
    [{ ...valid, threshold: '10' }, /\/threshold/],
    [{ ...valid, metric: 'has space' }, /\/metric/],
    [{ ...valid, deviceId: 'no/slash' }, /\/deviceId/],
    [{ ...valid, name: '' }, /\/name/],
    [{ ...valid, colour: 'red' }, /colour/],
  ];
  for (const [body, field] of cases) {
    const res = await h.call('POST', '/rules', h.operator, body);
    t.is(res.status, 400, JSON.stringify(body));
    t.regex(res.text, field);
  }
  t.deepEqual((await h.call('GET', '/rules', h.viewer)).body.rules, []);
});

test('when a rule with an open alert is deleted, then 204, the rule is gone and its alert resolved', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());
  const rule = await createRule(h, { metric: 'temp', op: 'gt', threshold: 50 });
  const kept = await createRule(h, { metric: 'temp', op: 'gt', threshold: 40 });
  await recordReadings(h, 'd1', [['temp', 60]]);
  await alertsWhen(h, (alerts) => alerts.length === 2, '?state=open', 'two open alerts');

  const deleted = await h.call('DELETE', `/rules/${rule.id}`, h.operator);

  t.is(deleted.status, 204);
  t.deepEqual((await h.call('GET', '/rules', h.viewer)).body.rules.map((r: { id: string }) => r.id), [kept.id]);
  const alerts = await alertsWhen(h, () => true);
  t.like(alerts.find((a) => a.ruleId === rule.id), { state: 'resolved' });
  t.like(alerts.find((a) => a.ruleId === kept.id), { state: 'open', resolvedAt: null });
  t.truthy(alerts.find((a) => a.ruleId === rule.id)?.resolvedAt);
});

test('when an unknown rule is deleted, then 404', async (t) => {
  const h = await startAlertsHost();
  t.teardown(() => h.stop());

  const res = await h.call('DELETE', '/rules/no-such-rule', h.operator);

  t.is(res.status, 404);
});
