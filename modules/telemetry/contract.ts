import { Type, command, defineContract, devicePorts, query, type Static } from '../../src/index.js';

const strict = { additionalProperties: false } as const;
const Iso = Type.String({ description: 'ISO-8601' });
const Limit = Type.Integer({ minimum: 1, maximum: 10_000 });
const MetricName = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' });

export const Reading = Type.Object({ metric: MetricName, ts: Iso, value: Type.Number(), receivedAt: Iso });
export const DeviceEvent = Type.Object({ id: Type.Union([Type.String(), Type.Null()]), type: Type.String(), ts: Iso, data: Type.Unknown(), receivedAt: Iso });
export const Aggregate = Type.Object({ bucket: Iso, metric: MetricName, min: Type.Number(), max: Type.Number(), avg: Type.Number(), count: Type.Integer() });
export const Rejection = Type.Object({ deviceId: devicePorts.DeviceId, topic: Type.String(), code: devicePorts.RefusalCode, reason: Type.String(), receivedAt: Iso });

const Range = { from: Type.Optional(Iso), to: Type.Optional(Iso) };

export const telemetryContract = defineContract({
  name: 'telemetry',
  version: '1.0.0',
  operations: {
    ingestTelemetry: command(devicePorts.DeviceMessagesInput, devicePorts.DeviceMessagesOutput, {
      access: 'system',
      summary: 'Stores a group of readings and events devices published, in one commit (device listener).',
    }),
    recordRejections: command(devicePorts.DeviceRejectionsInput, devicePorts.DeviceRejectionsOutput, {
      access: 'system',
      summary: 'Records refused device messages, whoever refused them (device listener).',
    }),
    listReadings: query(
      Type.Object({ id: devicePorts.DeviceId, metric: Type.Optional(MetricName), ...Range, limit: Type.Optional(Limit) }, strict),
      Type.Object({ readings: Type.Array(Reading) }),
      { access: 'viewer', summary: 'Readings of a device, newest first.' },
    ),
    latestReadings: query(Type.Object({ id: devicePorts.DeviceId }, strict), Type.Object({ readings: Type.Array(Reading) }), { access: 'viewer', summary: 'The latest reading of each metric.' }),
    aggregateReadings: query(
      Type.Object(
        { id: devicePorts.DeviceId, metric: Type.Optional(MetricName), ...Range, bucket: Type.Optional(Type.Union([Type.Literal('1m'), Type.Literal('5m'), Type.Literal('1h')])) },
        strict,
      ),
      Type.Object({ aggregates: Type.Array(Aggregate) }),
      { access: 'viewer', summary: 'Min, max, avg and count per time bucket.' },
    ),
    listEvents: query(
      Type.Object({ id: devicePorts.DeviceId, type: Type.Optional(Type.String()), ...Range, limit: Type.Optional(Limit) }, strict),
      Type.Object({ events: Type.Array(DeviceEvent) }),
      { access: 'viewer', summary: 'Events a device reported, newest first.' },
    ),
    listRejections: query(
      Type.Object({ deviceId: Type.Optional(devicePorts.DeviceId), limit: Type.Optional(Limit) }, strict),
      Type.Object({ rejections: Type.Array(Rejection) }),
      { access: 'viewer', summary: 'Refused device messages, newest first.' },
    ),
  },
  events: {
    // One event per commit: each device of the group with its new readings, so consumers handle a group at once.
    readingsRecorded: Type.Object({
      devices: Type.Array(
        Type.Object({
          deviceId: devicePorts.DeviceId,
          readings: Type.Array(Type.Object({ metric: MetricName, ts: Iso, value: Type.Number() })),
        }),
      ),
    }),
  },
});

export type Reading = Static<typeof Reading>;
