import { Type, command, defineContract, devicePorts, query, type Static } from '../../src/index.js';

const strict = { additionalProperties: false } as const;
const Iso = Type.String({ description: 'ISO-8601' });
const Id = Type.String({ minLength: 1, maxLength: 64 });

export const Op = Type.Union([Type.Literal('gt'), Type.Literal('gte'), Type.Literal('lt'), Type.Literal('lte')]);
export const AlertState = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]);

export const Rule = Type.Object({
  id: Id,
  name: Type.String(),
  deviceId: Type.Union([devicePorts.DeviceId, Type.Null()]),
  metric: Type.String(),
  op: Op,
  threshold: Type.Number(),
  createdAt: Iso,
});

export const Alert = Type.Object({
  id: Id,
  ruleId: Id,
  ruleName: Type.String(),
  deviceId: devicePorts.DeviceId,
  metric: Type.String(),
  state: AlertState,
  value: Type.Number(),
  threshold: Type.Number(),
  raisedAt: Iso,
  acknowledgedAt: Type.Union([Iso, Type.Null()]),
  acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: Type.Union([Iso, Type.Null()]),
});

export const alertsContract = defineContract({
  name: 'alerts',
  version: '1.0.0',
  operations: {
    createRule: command(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200 }),
          deviceId: Type.Optional(devicePorts.DeviceId),
          metric: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' }),
          op: Op,
          threshold: Type.Number(),
        },
        strict,
      ),
      Rule,
      { access: 'operator', summary: 'Adds a threshold rule, for one device or all.' },
    ),
    listRules: query(Type.Object({}, strict), Type.Object({ rules: Type.Array(Rule) }), { access: 'viewer' }),
    deleteRule: command(Type.Object({ id: Id }, strict), Type.Object({}), { access: 'operator' }),
    listAlerts: query(
      Type.Object({ state: Type.Optional(AlertState), deviceId: Type.Optional(devicePorts.DeviceId) }, strict),
      Type.Object({ alerts: Type.Array(Alert) }),
      { access: 'viewer' },
    ),
    acknowledgeAlert: command(Type.Object({ id: Id }, strict), Alert, { access: 'operator', summary: 'Marks an open alert as seen by the caller.' }),
  },
  events: {
    alertRaised: Type.Object({ id: Id, ruleId: Id, deviceId: devicePorts.DeviceId, metric: Type.String(), value: Type.Number(), threshold: Type.Number() }),
    alertResolved: Type.Object({ id: Id, ruleId: Id, deviceId: devicePorts.DeviceId }),
  },
});

export type Rule = Static<typeof Rule>;
export type Alert = Static<typeof Alert>;
