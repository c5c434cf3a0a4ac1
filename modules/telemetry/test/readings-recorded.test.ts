import { defineContract, defineModule, on, type EventOf } from '../../../src/index.js';
import { eventually } from '../../../test/support/host.js';
import { telemetryContract } from '../contract.js';
import { at, scenario, telemetryMessage } from './fixture.js';

type ReadingsRecorded = EventOf<typeof telemetryContract, 'readingsRecorded'>;
type DeviceReadings = ReadingsRecorded['devices'][number];

const events: ReadingsRecorded[] = [];
const probe = defineModule({
  contract: defineContract({ name: 'telemetry-probe', version: '1.0.0', operations: {}, events: {} }),
  handlers: {},
  subscriptions: [on(telemetryContract, 'readingsRecorded', () => async (data) => void events.push(data))],
});

const inOrder = (readings: DeviceReadings['readings']) =>
  [...readings].sort((x, y) => x.ts.localeCompare(y.ts) || x.metric.localeCompare(y.metric));

scenario('when a group stores readings, then one readingsRecorded holds each device with its new readings only', async (t, tm) => {
  // Scenarios on both stores share the probe: device ids carry the store's name.
  const [a, b, c, marker] = ['a', 'b', 'c', 'marker'].map((name) => `${tm.store}-${name}`);
  const ours = () => events.filter((e) => e.devices.some((d) => d.deviceId.startsWith(`${tm.store}-`)));
  const mine = () => ours().flatMap((e) => e.devices);
  const group = [
    telemetryMessage(a, { ts: at('2024-05-01T12:00:00Z'), metrics: { temp: 1, hum: 50 } }),
    telemetryMessage(b, { ts: at('2024-05-01T12:00:00Z'), metrics: { temp: 2 } }),
    telemetryMessage(a, [{ ts: at('2024-05-01T12:01:00Z'), metrics: { temp: 3 } }]),
    telemetryMessage(c, { metrics: { temp: 'bad' } }),
  ];

  await tm.ingest(group);

  await eventually(async () => (ours().length >= 1 ? true : undefined), 5000, 'readingsRecorded');
  t.is(ours().length, 1);
  t.deepEqual(mine().map((e) => e.deviceId).sort(), [a, b]);
  t.deepEqual(inOrder(mine().find((e) => e.deviceId === a)!.readings), [
    { metric: 'hum', ts: '2024-05-01T12:00:00.000Z', value: 50 },
    { metric: 'temp', ts: '2024-05-01T12:00:00.000Z', value: 1 },
    { metric: 'temp', ts: '2024-05-01T12:01:00.000Z', value: 3 },
  ]);
  t.deepEqual(mine().find((e) => e.deviceId === b)!.readings, [{ metric: 'temp', ts: '2024-05-01T12:00:00.000Z', value: 2 }]);

  await tm.ingest([...group, telemetryMessage(marker, { ts: at('2024-05-01T12:02:00Z'), metrics: { temp: 9 } })]);

  // Events of one publisher and type arrive in order: once the marker's is here, any for a or b would be too.
  await eventually(async () => mine().find((e) => e.deviceId === marker), 5000, 'the marker event');
  t.is(ours().length, 2);
  t.deepEqual(ours()[1].devices.map((e) => e.deviceId), [marker]);
}, [probe]);
