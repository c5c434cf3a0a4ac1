import { injectEvent } from '../../../test/support/events.js';
import { eventually } from '../../../test/support/host.js';
import { at, scenario, telemetryMessage, type Telemetry } from './fixture.js';

const reading = (iso: string, metrics: Record<string, number>) => ({ ts: at(iso), metrics });

async function seed(tm: Telemetry) {
  await tm.register('d1');
  await tm.ingest([
    telemetryMessage('d1', [
      reading('2024-05-01T12:00:10Z', { temp: 1 }),
      reading('2024-05-01T12:00:20Z', { hum: 40 }),
      reading('2024-05-01T12:00:50Z', { temp: 3 }),
      reading('2024-05-01T12:01:05Z', { temp: 10 }),
      reading('2024-05-01T12:05:00Z', { temp: 7 }),
      reading('2024-05-01T13:10:00Z', { temp: 100 }),
    ]),
  ]);
  // An older reading arriving last must not become the latest.
  await tm.ingest([telemetryMessage('d1', reading('2024-05-01T11:00:00Z', { temp: 5, hum: 45 }))]);
}

const pairs = (readings: Array<{ ts: string; value: number }>) => readings.map((r) => [r.ts.slice(11, 19), r.value]);

scenario('when aggregates are asked per bucket, then min, max, avg and count come per bucket and metric, oldest first', async (t, tm) => {
  await seed(tm);

  const minute = await tm.get('/devices/d1/aggregates?from=2024-05-01T12:00:00Z');
  const fiveMinutes = await tm.get('/devices/d1/aggregates?metric=temp&bucket=5m&from=2024-05-01T12:00:00Z&to=2024-05-01T13:00:00Z');
  const hour = await tm.get('/devices/d1/aggregates?metric=temp&bucket=1h');

  t.deepEqual(minute.body.aggregates, [
    { bucket: '2024-05-01T12:00:00.000Z', metric: 'hum', min: 40, max: 40, avg: 40, count: 1 },
    { bucket: '2024-05-01T12:00:00.000Z', metric: 'temp', min: 1, max: 3, avg: 2, count: 2 },
    { bucket: '2024-05-01T12:01:00.000Z', metric: 'temp', min: 10, max: 10, avg: 10, count: 1 },
    { bucket: '2024-05-01T12:05:00.000Z', metric: 'temp', min: 7, max: 7, avg: 7, count: 1 },
    { bucket: '2024-05-01T13:10:00.000Z', metric: 'temp', min: 100, max: 100, avg: 100, count: 1 },
  ]);
  t.deepEqual(fiveMinutes.body.aggregates, [
    { bucket: '2024-05-01T12:00:00.000Z', metric: 'temp', min: 1, max: 10, avg: 14 / 3, count: 3 },
    { bucket: '2024-05-01T12:05:00.000Z', metric: 'temp', min: 7, max: 7, avg: 7, count: 1 },
  ]);
  t.deepEqual(hour.body.aggregates, [
    { bucket: '2024-05-01T11:00:00.000Z', metric: 'temp', min: 5, max: 5, avg: 5, count: 1 },
    { bucket: '2024-05-01T12:00:00.000Z', metric: 'temp', min: 1, max: 10, avg: 5.25, count: 4 },
    { bucket: '2024-05-01T13:00:00.000Z', metric: 'temp', min: 100, max: 100, avg: 100, count: 1 },
  ]);
});

scenario('when the latest readings are asked, then each metric comes with its newest reading', async (t, tm) => {
  await seed(tm);

  const { status, body } = await tm.get('/devices/d1/latest');

  t.is(status, 200);
  t.deepEqual(body.readings, [
    { metric: 'hum', ts: '2024-05-01T12:00:20.000Z', value: 40, receivedAt: '2024-05-01T12:00:30.000Z' },
    { metric: 'temp', ts: '2024-05-01T13:10:00.000Z', value: 100, receivedAt: '2024-05-01T12:00:30.000Z' },
  ]);
});

scenario('when readings are asked with a metric, a range and a limit, then from is inclusive, to exclusive, newest first', async (t, tm) => {
  await seed(tm);

  const ranged = await tm.get('/devices/d1/readings?metric=temp&from=2024-05-01T12:00:50Z&to=2024-05-01T14:05:00%2B02:00');
  const limited = await tm.get('/devices/d1/readings?limit=2');
  const all = await tm.get('/devices/d1/readings');

  t.deepEqual(pairs(ranged.body.readings), [['12:01:05', 10], ['12:00:50', 3]]);
  t.deepEqual(pairs(limited.body.readings), [['13:10:00', 100], ['12:05:00', 7]]);
  t.is(all.body.readings.length, 8);
});

scenario('when a query names a bad time, limit or bucket, then 400 naming it', async (t, tm) => {
  await tm.register('d1');

  const badFrom = await tm.get('/devices/d1/readings?from=yesterday');
  const localTime = await tm.get('/devices/d1/aggregates?to=2024-05-01T12:00:00');
  const badLimit = await tm.get('/devices/d1/readings?limit=10001');
  const badBucket = await tm.get('/devices/d1/aggregates?bucket=2m');

  t.is(badFrom.status, 400);
  t.regex(badFrom.body.detail, /^from: must be an ISO-8601 date-time/);
  t.is(localTime.status, 400);
  t.regex(localTime.body.detail, /^to: /);
  t.is(badLimit.status, 400);
  t.regex(JSON.stringify(badLimit.body), /\/limit/);
  t.is(badBucket.status, 400);
  t.regex(JSON.stringify(badBucket.body), /\/bucket/);
});

scenario('when a device is unknown to telemetry, then its queries are 404', async (t, tm) => {
  await tm.register('d1');
  await tm.ingest([telemetryMessage('stranger', { metrics: { temp: 1 } })]);

  for (const what of ['readings', 'latest', 'aggregates', 'events']) {
    const res = await tm.get(`/devices/stranger/${what}`);

    t.is(res.status, 404, what);
    t.is(res.body.code, 'NOT_FOUND', what);
  }
});

scenario('when a device is decommissioned, then its history stays readable', async (t, tm) => {
  await seed(tm);

  await injectEvent(tm.host, 'devices', 'deviceDecommissioned', { id: 'd1' });

  await eventually(async () => ((await tm.rows('known_devices')).some((d) => Boolean(d.decommissioned)) ? true : undefined), 5000, 'decommissioned');
  t.is((await tm.get('/devices/d1/latest')).body.readings.length, 2);
});

scenario('when a viewer reads, then 200; without a token, then 401', async (t, tm) => {
  await seed(tm);
  const admin = await tm.host.login();
  const created = await fetch(`${tm.host.url}/api/identity/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'viewer@example.test', password: 'a-good-password', role: 'viewer' }),
  });
  t.is(created.status, 201);
  const viewer = await tm.host.login('viewer@example.test', 'a-good-password');

  for (const path of ['/devices/d1/readings', '/devices/d1/latest', '/devices/d1/aggregates', '/devices/d1/events', '/rejections']) {
    t.is((await tm.get(path, viewer)).status, 200, path);
    t.is((await tm.get(path, null)).status, 401, path);
  }
});
