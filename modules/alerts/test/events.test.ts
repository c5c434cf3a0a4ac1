import test from 'ava';
import { defineContract, defineModule, on, type EventOf } from '../../../src/index.js';
import { eventually } from '../../../test/support/host.js';
import { alertsContract } from '../contract.js';
import { createRule, recordReadings, startAlertsHost } from './alerts-host.js';

type Seen =
  | ({ event: 'alertRaised' } & EventOf<typeof alertsContract, 'alertRaised'>)
  | ({ event: 'alertResolved' } & EventOf<typeof alertsContract, 'alertResolved'>);

function probe() {
  const seen: Seen[] = [];
  const module = defineModule({
    contract: defineContract({ name: 'alerts-probe', version: '1.0.0', operations: {}, events: {} }),
    handlers: {},
    subscriptions: [
      on(alertsContract, 'alertRaised', () => async (data) => void seen.push({ event: 'alertRaised', ...data })),
      on(alertsContract, 'alertResolved', () => async (data) => void seen.push({ event: 'alertResolved', ...data })),
    ],
  });
  return { module, seen };
}

test('when a breach and a recovery come in one event, then alertRaised then alertResolved are published', async (t) => {
  const { module, seen } = probe();
  const h = await startAlertsHost({ extra: [module] });
  t.teardown(() => h.stop());
  const rule = await createRule(h, { metric: 'temp', op: 'gte', threshold: 50 });

  await recordReadings(h, 'd1', [['temp', 50], ['temp', 49.5]]);

  await eventually(async () => (seen.length >= 2 ? true : undefined), 5000, 'two events');
  const id = seen[0].id;
  t.deepEqual(seen, [
    { event: 'alertRaised', id, ruleId: rule.id, deviceId: 'd1', metric: 'temp', value: 50, threshold: 50 },
    { event: 'alertResolved', id, ruleId: rule.id, deviceId: 'd1' },
  ]);
});

test('when a rule with an open alert is deleted, then alertResolved is published for it', async (t) => {
  const { module, seen } = probe();
  const h = await startAlertsHost({ extra: [module] });
  t.teardown(() => h.stop());
  const rule = await createRule(h, { metric: 'temp', op: 'gt', threshold: 50 });
  await recordReadings(h, 'd1', [['temp', 60]]);
  await eventually(async () => (seen.length ? true : undefined), 5000, 'alertRaised');

  await h.call('DELETE', `/rules/${rule.id}`, h.operator);

  const resolved = await eventually(async () => seen.find((e) => e.event === 'alertResolved'), 5000, 'alertResolved');
  t.deepEqual(resolved, { event: 'alertResolved', id: seen[0].id, ruleId: rule.id, deviceId: 'd1' });
});
