import { topicRoot } from '../kernel/device-ports.js';

/**
 * Device topics as MQTT filters, with no knowledge of any kind: a device's tree is `v1/devices/<id>/`, a topic
 * kind is a filter inside that tree (levels of `[A-Za-z0-9_.:-]+` or `+`), and `errors` is the listener's own
 * kind, where it reports refusals. Each function here parses a topic or filter once, by levels.
 */
export { topicRoot };

const deviceIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
const kindLevel = /^(?:[A-Za-z0-9_.:-]+|\+)$/;

/** The listener's own kind: where Cleave reports refused messages to a device. */
export const errorsKind = 'errors';

/** True when `id` is a valid device id (also its MQTT client id and username). */
export const isDeviceId = (id: string | undefined): id is string => !!id && deviceIdPattern.test(id);

/** The prefix of every topic of one device, `v1/devices/<id>/`. */
export const deviceTree = (deviceId: string) => `${topicRoot}/${deviceId}/`;

/** Where Cleave reports a refused message to the device. */
export const errorsTopic = (deviceId: string) => `${deviceTree(deviceId)}${errorsKind}`;

/** Why `kind` cannot be a device topic kind, or undefined when it can. */
export function kindProblem(kind: string): string | undefined {
  if (kind === errorsKind || kind.startsWith(`${errorsKind}/`)) return `"${errorsKind}" is the listener's own topic`;
  if (!kind.split('/').every((level) => kindLevel.test(level))) {
    return 'a kind is an MQTT filter of levels matching [A-Za-z0-9_.:-]+ or +, with no #';
  }
  return undefined;
}

/** The levels of `topic` that the `+` of `kind` match, when `kind` matches it; both are relative to a device tree. */
export function matchKind(kind: string[], topic: string[]): string[] | undefined {
  if (kind.length !== topic.length) return undefined;
  const levels: string[] = [];
  for (let i = 0; i < kind.length; i++) {
    if (kind[i] === '+') levels.push(topic[i]);
    else if (kind[i] !== topic[i]) return undefined;
  }
  return levels;
}

/** True when some topic matches both kinds (neither holds `#`). */
export function kindsOverlap(a: string, b: string): boolean {
  const [x, y] = [a.split('/'), b.split('/')];
  return x.length === y.length && x.every((level, i) => level === '+' || y[i] === '+' || level === y[i]);
}

/** True when every topic the subscription `filter` matches is matched by `kind` (relative to a device tree). */
export function filterWithin(filter: string, kind: string): boolean {
  const [f, k] = [filter.split('/'), kind.split('/')];
  return f.length === k.length && f.every((level, i) => level === k[i] || (k[i] === '+' && level !== '+' && level !== '#' && !level.includes('+') && !level.includes('#')));
}
