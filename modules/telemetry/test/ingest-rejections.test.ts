import { at, eventMessage, onKind, scenario, telemetryMessage } from './fixture.js';

const metrics = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`m${i}`, i]));

const cases = [
  { message: telemetryMessage('d1', '{"metrics": {"temp": 2'), code: 'MALFORMED_JSON', reason: /^payload is not valid JSON: / },
  { message: telemetryMessage('d1', '"hello"'), code: 'INVALID_PAYLOAD', reason: /^payload: must be a JSON object$/ },
  { message: telemetryMessage('d1', { timestamp: 1, metrics: { a: 1 } }), code: 'INVALID_PAYLOAD', reason: /^timestamp: unknown field/ },
  { message: telemetryMessage('d1', { id: 'm-1', metrics: [1, 2] }), code: 'INVALID_PAYLOAD', reason: /^metrics: must be an object/, id: 'm-1' },
  { message: telemetryMessage('d1', { metrics: {} }), code: 'INVALID_PAYLOAD', reason: /^metrics: must hold at least one metric$/ },
  { message: telemetryMessage('d1', { ts: 'yesterday', metrics: { a: 1 } }), code: 'INVALID_PAYLOAD', reason: /^ts: must be epoch milliseconds/ },
  { message: telemetryMessage('d1', { ts: '2024-05-01T12:00:00', metrics: { a: 1 } }), code: 'INVALID_PAYLOAD', reason: /^ts: .*with a zone/ },
  { message: telemetryMessage('d1', { id: 'm-2', metrics: { temp: 'hot' } }), code: 'INVALID_PAYLOAD', reason: /^metrics\.temp: must be a finite number$/, id: 'm-2' },
  { message: telemetryMessage('d1', '{"metrics": {"temp": 1e999}}'), code: 'INVALID_PAYLOAD', reason: /^metrics\.temp: must be a finite number$/ },
  { message: telemetryMessage('d1', { metrics: { 'bad name': 1 } }), code: 'INVALID_PAYLOAD', reason: /^metrics\["bad name"\]: metric names must match/ },
  {
    message: telemetryMessage('d1', [{ id: 'a', metrics: { v: 1 } }, { id: 'b', metrics: { v: null } }]),
    code: 'INVALID_PAYLOAD', reason: /^\[1\]\.metrics\.v: must be a finite number$/, id: 'b',
  },
  { message: telemetryMessage('d1', []), code: 'INVALID_PAYLOAD', reason: /^payload: an empty batch$/ },
  {
    message: telemetryMessage('d1', Array.from({ length: 501 }, (_, i) => ({ ts: i, metrics: { v: i } }))),
    code: 'TOO_MANY_ITEMS', reason: /^payload: a batch of 501 reading sets; at most 500 in one message$/,
  },
  { message: telemetryMessage('d1', { metrics: metrics(1001) }), code: 'TOO_MANY_ITEMS', reason: /^metrics: more than 1000 metrics/ },
  { message: eventMessage('d1', 'door', { id: 'e-1', ts: 1 }), code: 'INVALID_PAYLOAD', reason: /^data: is required$/, id: 'e-1' },
  { message: eventMessage('d1', 'door', { data: [1] }), code: 'INVALID_PAYLOAD', reason: /^data: must be a JSON object$/ },
  {
    message: eventMessage('d1', 'door open', { id: 'r-1', data: {} }),
    code: 'UNSUPPORTED_TOPIC', reason: /^events\/door open: unsupported topic; an event type matches \^\[A-Za-z0-9_\.:-\]\{1,128\}\$$/, id: 'r-1',
  },
  { message: eventMessage('d1', 'x'.repeat(129), { data: {} }), code: 'UNSUPPORTED_TOPIC', reason: /unsupported topic/ },
  { message: eventMessage('d1', '', { data: {} }), code: 'UNSUPPORTED_TOPIC', reason: /^events\/: unsupported topic/ },
  { message: onKind('d1', 'commands/+', ['c-9'], { ok: true }), code: 'UNSUPPORTED_TOPIC', reason: /^telemetry does not take the topic kind "commands\/\+"$/ },
];

/** A refusal the device listener decides itself: it reaches telemetry only to be recorded, without the payload. */
const tooLarge = {
  deviceId: 'd1',
  topic: 'v1/devices/d1/telemetry',
  code: 'PAYLOAD_TOO_LARGE',
  reason: 'payload of 70000 bytes is over the limit of 65536',
  receivedAt: at('2024-05-01T12:00:30Z'),
};

scenario('when messages are refused, then each result says why, the rejection is stored, and nothing else is', async (t, tm) => {
  await tm.register('d1');

  const results = await tm.ingest(cases.map((c) => c.message));
  await tm.reject([tooLarge]);

  results.forEach((result, i) => {
    const { code, reason, id } = cases[i];
    t.like(result, { accepted: false, code }, `case ${i}`);
    if (!result.accepted) {
      t.regex(result.reason, reason, `case ${i}`);
      t.is(result.id, id, `case ${i}`);
    }
  });
  t.deepEqual(await tm.rows('readings'), []);
  t.deepEqual(await tm.rows('device_events'), []);
  const { body } = await tm.get('/rejections?deviceId=d1&limit=1000');
  t.is(body.rejections.length, cases.length + 1);
  t.like(body.rejections.at(-1), { deviceId: 'd1', topic: 'v1/devices/d1/telemetry', code: 'MALFORMED_JSON', receivedAt: '2024-05-01T12:00:30.000Z' });
  t.like(body.rejections[0], { topic: 'v1/devices/d1/telemetry', code: 'PAYLOAD_TOO_LARGE', reason: tooLarge.reason });
  t.true(body.rejections.some((r: { topic: string }) => r.topic === 'v1/devices/d1/events/door open'), 'the topic is recorded as the device used it');
  const excerpts = (await tm.rows('rejections')).map((row) => row.payload as string | null);
  t.is(excerpts[0], '{"metrics": {"temp": 2');
  t.is(Math.max(...excerpts.map((p) => p?.length ?? 0)), 512);
  t.is(excerpts.at(-1), null, 'a message refused by the listener has no payload');
});

scenario('when a group mixes good and bad messages from several devices, then the good ones are committed', async (t, tm) => {
  await tm.register('d1', 'd2');

  const results = await tm.ingest([
    telemetryMessage('d1', { ts: at('2024-05-01T12:00:00Z'), metrics: { temp: 1 } }),
    telemetryMessage('d1', '{oops'),
    telemetryMessage('d2', { ts: at('2024-05-01T12:00:00Z'), metrics: { temp: 2 } }),
    telemetryMessage('d2', { metrics: { temp: true } }),
  ]);

  t.deepEqual(results.map((r) => r.accepted), [true, false, true, false]);
  t.deepEqual((await tm.get('/devices/d1/latest')).body.readings.map((r: { value: number }) => r.value), [1]);
  t.deepEqual((await tm.get('/devices/d2/latest')).body.readings.map((r: { value: number }) => r.value), [2]);
  const rejections = (await tm.get('/rejections')).body.rejections;
  t.deepEqual(rejections.map((r: { deviceId: string; code: string }) => [r.deviceId, r.code]).sort(), [
    ['d1', 'MALFORMED_JSON'],
    ['d2', 'INVALID_PAYLOAD'],
  ]);
});

scenario('when rejections are listed, then the newest come first, per device on demand', async (t, tm) => {
  await tm.ingest([telemetryMessage('d1', 'x', at('2024-05-01T12:00:00Z')), telemetryMessage('d2', 'y', at('2024-05-01T12:01:00Z'))]);
  await tm.ingest([telemetryMessage('d1', 'z', at('2024-05-01T12:02:00Z'))]);

  const all = await tm.get('/rejections');
  const mine = await tm.get('/rejections?deviceId=d1&limit=1');

  t.deepEqual(all.body.rejections.map((r: { receivedAt: string }) => r.receivedAt), [
    '2024-05-01T12:02:00.000Z',
    '2024-05-01T12:01:00.000Z',
    '2024-05-01T12:00:00.000Z',
  ]);
  t.deepEqual(mine.body.rejections.map((r: { deviceId: string; receivedAt: string }) => [r.deviceId, r.receivedAt]), [
    ['d1', '2024-05-01T12:02:00.000Z'],
  ]);
});

scenario('when the store fails during a group, then ingest fails and nothing of the group is committed', async (t, tm) => {
  await tm.register('d1');
  await tm.host.host.database('telemetry')!.schema.dropTable('device_events');

  await t.throwsAsync(
    tm.ingest([
      telemetryMessage('d1', { id: 'm-1', ts: at('2024-05-01T12:00:00Z'), metrics: { temp: 1 } }),
      telemetryMessage('d1', 'not json'),
      eventMessage('d1', 'door', { data: { open: true } }),
    ]),
    { message: /internal error/ },
  );

  t.deepEqual(await tm.rows('readings'), []);
  t.deepEqual([...(await tm.rows('seen_messages_0')), ...(await tm.rows('seen_messages_1'))], []);
  t.deepEqual(await tm.rows('rejections'), []);
});
