import { at, eventMessage, scenario, telemetryMessage } from './fixture.js';

const accepted = { accepted: true };

scenario('when a device sends one reading set, then each metric is stored at the device ts beside the receive time', async (t, tm) => {
  await tm.register('d1');

  const results = await tm.ingest([telemetryMessage('d1', { ts: at('2024-05-01T12:00:00Z'), metrics: { temp: 21.5, hum: 40 } })]);

  t.deepEqual(results, [accepted]);
  const { body } = await tm.get('/devices/d1/readings');
  t.deepEqual(body.readings, [
    { metric: 'hum', ts: '2024-05-01T12:00:00.000Z', value: 40, receivedAt: '2024-05-01T12:00:30.000Z' },
    { metric: 'temp', ts: '2024-05-01T12:00:00.000Z', value: 21.5, receivedAt: '2024-05-01T12:00:30.000Z' },
  ]);
});

scenario('when a device sends a batch, then every reading set of it is stored', async (t, tm) => {
  await tm.register('d1');
  const batch = [1, 2, 3].map((minute) => ({ ts: at(`2024-05-01T12:0${minute}:00Z`), metrics: { temp: minute } }));

  const results = await tm.ingest([telemetryMessage('d1', batch)]);

  t.deepEqual(results, [accepted]);
  const { body } = await tm.get('/devices/d1/readings');
  t.deepEqual(body.readings.map((r: { ts: string; value: number }) => [r.ts, r.value]), [
    ['2024-05-01T12:03:00.000Z', 3],
    ['2024-05-01T12:02:00.000Z', 2],
    ['2024-05-01T12:01:00.000Z', 1],
  ]);
});

scenario('when ts is epoch ms, ISO-8601 with an offset, or absent, then the reading is at that instant or the receive time', async (t, tm) => {
  await tm.register('d1');

  const results = await tm.ingest([
    telemetryMessage('d1', { ts: 1714564800000, metrics: { a: 1 } }),
    telemetryMessage('d1', { ts: '2024-05-01T14:00:00.250+02:00', metrics: { b: 2 } }),
    telemetryMessage('d1', { metrics: { c: 3 } }, at('2024-05-01T12:00:30.125Z')),
  ]);

  t.deepEqual(results, [accepted, accepted, accepted]);
  const { body } = await tm.get('/devices/d1/latest');
  t.deepEqual(body.readings.map((r: { metric: string; ts: string }) => [r.metric, r.ts]), [
    ['a', '2024-05-01T12:00:00.000Z'],
    ['b', '2024-05-01T12:00:00.250Z'],
    ['c', '2024-05-01T12:00:30.125Z'],
  ]);
});

scenario('when a reading is sent again, in the same group or later, then it lands on the same row', async (t, tm) => {
  await tm.register('d1');
  const reading = { ts: at('2024-05-01T12:00:00Z'), metrics: { temp: 20 } };

  await tm.ingest([telemetryMessage('d1', reading), telemetryMessage('d1', reading)]);
  const again = await tm.ingest([telemetryMessage('d1', reading, at('2024-05-01T13:00:00Z'))]);

  t.deepEqual(again, [accepted]);
  const rows = await tm.rows('readings');
  t.is(rows.length, 1);
  t.is(Number(rows[0].received_at), at('2024-05-01T12:00:30Z'), 'the first receipt is kept');
});

scenario('when a message id comes again, in the same group or later, then it has effect once', async (t, tm) => {
  await tm.register('d1');
  // Without ts each copy would be a new reading at its own receive time: only the id makes them one.
  const first = telemetryMessage('d1', { id: 'm-1', metrics: { temp: 20 } }, at('2024-05-01T12:00:00Z'));
  const copy = telemetryMessage('d1', { id: 'm-1', metrics: { temp: 20 } }, at('2024-05-01T12:00:01Z'));
  const late = telemetryMessage('d1', [{ id: 'm-1', metrics: { temp: 20 } }, { id: 'm-2', metrics: { temp: 21 } }], at('2024-05-01T12:05:00Z'));
  const event = eventMessage('d1', 'door', { id: 'e-1', data: { open: true } }, at('2024-05-01T12:00:00Z'));
  const eventCopy = eventMessage('d1', 'door', { id: 'e-1', data: { open: true } }, at('2024-05-01T12:00:09Z'));

  t.deepEqual(await tm.ingest([first, copy, event]), [accepted, accepted, accepted]);
  t.deepEqual(await tm.ingest([late, eventCopy]), [accepted, accepted]);

  const { body } = await tm.get('/devices/d1/readings');
  t.deepEqual(body.readings.map((r: { ts: string; value: number }) => [r.ts, r.value]), [
    ['2024-05-01T12:05:00.000Z', 21],
    ['2024-05-01T12:00:00.000Z', 20],
  ]);
  t.is((await tm.get('/devices/d1/events')).body.events.length, 1);
});

scenario('when a reading set carries its own ts, then its id is not kept: a copy lands on the same rows, and only sets without ts and events leave ids', async (t, tm) => {
  await tm.register('d1');
  const timed = telemetryMessage('d1', { id: 'm-1', ts: at('2024-05-01T12:00:00Z'), metrics: { temp: 20 } }, at('2024-05-01T12:00:01Z'));
  const untimed = telemetryMessage('d1', { id: 'm-2', metrics: { temp: 21 } }, at('2024-05-01T12:00:02Z'));
  const event = eventMessage('d1', 'door', { id: 'e-1', ts: at('2024-05-01T12:00:03Z'), data: { open: true } }, at('2024-05-01T12:00:03Z'));

  t.deepEqual(await tm.ingest([timed, untimed, event]), [accepted, accepted, accepted]);
  t.deepEqual(await tm.ingest([{ ...timed, receivedAt: at('2024-05-01T12:10:00Z') }]), [accepted]);

  const kept = [...(await tm.rows('seen_messages_0')), ...(await tm.rows('seen_messages_1'))].map((row) => row.message_id).sort();
  t.deepEqual(kept, ['e-1', 'm-2']);
  const { body } = await tm.get('/devices/d1/readings');
  t.deepEqual(body.readings.map((r: { ts: string; value: number }) => [r.ts, r.value]), [
    ['2024-05-01T12:00:02.000Z', 21],
    ['2024-05-01T12:00:00.000Z', 20],
  ]);
});

scenario('when a device reports events, then they are listed newest first with their data, by type on demand', async (t, tm) => {
  await tm.register('d1');

  const results = await tm.ingest([
    eventMessage('d1', 'door', { ts: at('2024-05-01T12:00:00Z'), id: 'e-1', data: { open: true } }),
    eventMessage('d1', 'alarm.fire', { ts: '2024-05-01T12:01:00Z', data: { level: 3 } }),
    eventMessage('d1', 'door', { data: { open: false } }),
  ]);

  t.deepEqual(results, [accepted, accepted, accepted]);
  const all = await tm.get('/devices/d1/events');
  t.deepEqual(all.body.events, [
    { id: null, type: 'alarm.fire', ts: '2024-05-01T12:01:00.000Z', data: { level: 3 }, receivedAt: '2024-05-01T12:00:30.000Z' },
    { id: null, type: 'door', ts: '2024-05-01T12:00:30.000Z', data: { open: false }, receivedAt: '2024-05-01T12:00:30.000Z' },
    { id: 'e-1', type: 'door', ts: '2024-05-01T12:00:00.000Z', data: { open: true }, receivedAt: '2024-05-01T12:00:30.000Z' },
  ]);
  const doors = await tm.get('/devices/d1/events?type=door&limit=1');
  t.deepEqual(doors.body.events.map((e: { ts: string }) => e.ts), ['2024-05-01T12:00:30.000Z']);
});
