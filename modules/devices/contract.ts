import { Type, command, defineContract, devicePorts, query, type Static } from '../../src/index.js';

const strict = { additionalProperties: false } as const;

export const DeviceId = devicePorts.DeviceId;
export const Labels = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.String({ maxLength: 256 }), {
  maxProperties: 32,
});

export const Device = Type.Object({
  id: DeviceId,
  name: Type.String(),
  labels: Labels,
  online: Type.Boolean(),
  lastSeenAt: Type.Union([Type.String({ description: 'ISO-8601' }), Type.Null()]),
  createdAt: Type.String({ description: 'ISO-8601' }),
});

export const RegisterDeviceInput = Type.Object(
  { id: Type.Optional(DeviceId), name: Type.String({ minLength: 1, maxLength: 200 }), labels: Type.Optional(Labels) },
  strict,
);
export const RegisteredDevice = Type.Intersect([Device, Type.Object({ secret: Type.String({ description: 'shown once' }) })]);
export const ById = Type.Object({ id: DeviceId }, strict);

export const devicesContract = defineContract({
  name: 'devices',
  version: '1.0.0',
  operations: {
    registerDevice: command(RegisterDeviceInput, RegisteredDevice, { access: 'operator', summary: 'Registers a device; its secret is returned once.' }),
    listDevices: query(Type.Object({}, strict), Type.Object({ devices: Type.Array(Device) }), { access: 'viewer', summary: 'Every registered device.' }),
    getDevice: query(ById, Device, { access: 'viewer', summary: 'One device by id.' }),
    rotateSecret: command(ById, Type.Object({ id: DeviceId, secret: Type.String() }), { access: 'operator', summary: 'Issues a new secret; the old one stops working.' }),
    decommissionDevice: command(ById, Type.Object({}), { access: 'operator', summary: 'Revokes the credentials and closes the live connection.' }),
    authenticateDevice: query(devicePorts.DeviceAuthInput, devicePorts.DeviceAuthOutput, { access: 'system', summary: 'Checks MQTT credentials (device listener).' }),
    recordPresence: command(devicePorts.DevicePresenceInput, devicePorts.DevicePresenceOutput, { access: 'system', summary: 'Online, offline or seen (device listener).' }),
    recordStatus: command(devicePorts.DeviceMessagesInput, devicePorts.DeviceMessagesOutput, {
      access: 'system',
      summary: 'Presence the devices reported on their status topic, {"online": true|false} (device listener).',
    }),
  },
  events: {
    deviceRegistered: Type.Object({ id: DeviceId, name: Type.String(), labels: Labels }),
    deviceDecommissioned: Type.Object({ id: DeviceId }),
    deviceSecretRotated: Type.Object({ id: DeviceId }),
    /** For the kernel's credential subscriber (`ports.deviceCredentials`): the secret is sealed, only the kernel opens it. */
    deviceSecretIssued: devicePorts.DeviceSecretIssued,
    deviceConnected: Type.Object({ id: DeviceId, at: Type.String() }),
    deviceDisconnected: Type.Object({ id: DeviceId, at: Type.String() }),
  },
});

export type Device = Static<typeof Device>;
export type RegisteredDevice = Static<typeof RegisteredDevice>;
