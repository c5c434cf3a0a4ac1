/** The device-facing MQTT topics, version 1. */
export const topicRoot = 'v1/devices';

const deviceIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `id` is a valid device id (also its MQTT client id and username). */
export const isDeviceId = (id: string | undefined): id is string => !!id && deviceIdPattern.test(id);

/** What a device may publish: a topic under its own tree. */
export type DeviceTopic =
  | { kind: 'telemetry' }
  | { kind: 'event'; type: string }
  | { kind: 'status' }
  | { kind: 'other' };

/**
 * Parses a topic a device published to. Returns undefined when it is outside `v1/devices/<deviceId>/`,
 * which the listener refuses outright.
 */
export function parseDeviceTopic(deviceId: string, topic: string): DeviceTopic | undefined {
  const prefix = `${topicRoot}/${deviceId}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const rest = topic.slice(prefix.length).split('/');
  if (rest.length === 1 && rest[0] === 'telemetry') return { kind: 'telemetry' };
  if (rest.length === 1 && rest[0] === 'status') return { kind: 'status' };
  if (rest.length === 2 && rest[0] === 'events' && rest[1] !== '') return { kind: 'event', type: rest[1] };
  return { kind: 'other' };
}

/** The topics a device may subscribe to: its own `errors` and `commands/#` (and filters inside them). */
export function maySubscribe(deviceId: string, filter: string): boolean {
  const own = `${topicRoot}/${deviceId}/`;
  if (!filter.startsWith(own)) return false;
  const rest = filter.slice(own.length);
  return rest === 'errors' || rest === 'commands/#' || /^commands\/[^#+/]+(\/[^#+]*)?$/.test(rest) || rest === 'commands/+';
}

/** Where Cleave reports a refused message to the device. */
export const errorsTopic = (deviceId: string) => `${topicRoot}/${deviceId}/errors`;
