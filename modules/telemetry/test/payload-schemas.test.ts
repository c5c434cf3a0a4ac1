import { Value } from '@sinclair/typebox/value';
import { EventPayload, TelemetryPayload } from '../protocol/payload-schemas.js';
import { eventMessage, scenario, telemetryMessage } from './fixture.js';

/** The payload schemas of the AsyncAPI document say what ingestion says, on the shapes a device is likely to try. */
const telemetry = [
  { metrics: { temperature: 21.5 } },
  { ts: 1732530000000, id: 'm-1', metrics: { temperature: 21.5, pressure: 1.2 } },
  { ts: '2024-05-01T12:00:00Z', metrics: { 'cpu.load:1m': 0.5 } },
  [{ metrics: { a: 1 } }, { ts: 2, metrics: { b: 2 } }],
  { metrics: {} },
  [],
  { timestamp: 1, metrics: { a: 1 } },
  { metrics: { 'bad name': 1 } },
  { metrics: { temp: 'hot' } },
  { id: '', metrics: { a: 1 } },
  { ts: -1, metrics: { a: 1 } },
  { metrics: [1, 2] },
];
const events = [{ data: { door: 'open' } }, { ts: 1, id: 'e-1', data: {} }, { data: [1] }, { data: {}, extra: 1 }, {}];

scenario('when devices send likely payloads, then the documented schema accepts exactly those ingestion accepts', async (t, tm) => {
  await tm.register('d1');

  const results = await tm.ingest([
    ...telemetry.map((payload) => telemetryMessage('d1', payload)),
    ...events.map((payload) => eventMessage('d1', 'door', payload)),
  ]);

  const documented = [...telemetry.map((p) => Value.Check(TelemetryPayload, p)), ...events.map((p) => Value.Check(EventPayload, p))];
  const payloads = [...telemetry, ...events];
  results.forEach((result, i) => t.is(documented[i], result.accepted, JSON.stringify(payloads[i])));
  t.true(documented.includes(true) && documented.includes(false));
});
