/** What a device topic carries: telemetry, or events of one type. */
export type TopicKind = { kind: 'telemetry' } | { kind: 'event'; type: string };

const telemetry: TopicKind = { kind: 'telemetry' };
const eventType = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The kind of `topic` when `deviceId` may publish there, else undefined (unsupported). */
export function kindOf(topic: string, deviceId: string): TopicKind | undefined {
  const prefix = `v1/devices/${deviceId}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const rest = topic.slice(prefix.length);
  if (rest === 'telemetry') return telemetry;
  if (rest.startsWith('events/') && eventType.test(rest.slice(7))) return { kind: 'event', type: rest.slice(7) };
  return undefined;
}
