import test from 'ava';
import { RateBook } from '../src/dashboard/rates.js';
import { activityOf, type Activity } from '../src/observability/activity.js';
import { Metrics } from '../src/observability/metrics.js';

const counts = (requests: number, errors = 0, eventsHandled = 0, eventsPublished = 0) => ({ requests, errors, eventsHandled, eventsPublished });
const instance = (instanceId: string, activity?: Activity) => ({ instanceId, modules: ['devices'], ...(activity ? { activity } : {}) });

test('when a process has called operations and handled events, then its activity counts them per module', async (t) => {
  const metrics = new Metrics();
  metrics.busRequests.labels('devices.listDevices', 'OK').inc(5);
  metrics.busRequests.labels('devices.getDevice', 'NOT_FOUND').inc(2);
  metrics.eventsHandled.inc({ consumer: 'alerts', type: 'telemetry.readingsRecorded', outcome: 'done' }, 3);
  metrics.eventsHandled.inc({ consumer: 'alerts', type: 'telemetry.readingsRecorded', outcome: 'retry' });
  metrics.eventsPublished.inc({ type: 'telemetry.readingsRecorded' }, 4);
  const activity = await activityOf(metrics, 1000);
  t.deepEqual(activity, { at: 1000, modules: { devices: counts(7, 2), alerts: counts(0, 1, 3), telemetry: counts(0, 0, 0, 4) } });
});

test('when instances sent two summaries, then the rates per module are the sum of what grew per second', (t) => {
  const book = new RateBook();
  const first = book.update([instance('a', { at: 0, modules: { devices: counts(10) } }), instance('b', { at: 0, modules: { devices: counts(0) } })]);
  t.false(first.measured);
  const second = book.update([
    instance('a', { at: 5000, modules: { devices: counts(20, 5, 10, 5) } }),
    instance('b', { at: 2000, modules: { devices: counts(4) } }),
  ]);
  t.true(second.measured);
  t.deepEqual(second.modules.get('devices'), { requests: 2 + 2, events: 3, errors: 1 });
});

test('when an instance leaves or restarts with smaller counters, then it no longer counts and no rate goes negative', (t) => {
  const book = new RateBook();
  book.update([instance('a', { at: 0, modules: { devices: counts(100) } })]);
  t.deepEqual(book.update([instance('a', { at: 1000, modules: { devices: counts(1) } })]).modules.get('devices'), { requests: 0, events: 0, errors: 0 });
  const gone = book.update([instance('b')]);
  t.false(gone.measured);
  t.is(gone.modules.size, 0);
});
