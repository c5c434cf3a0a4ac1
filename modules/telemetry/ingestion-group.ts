import type { devicePorts } from '../../src/index.js';
import { messageKey } from './data/seen-messages.js';
import type { FlatValues as Values } from '../../src/index.js';
import type { ReportedEvent } from './protocol/event-payload.js';
import { readMessage } from './protocol/message.js';
import type { ReadingSet } from './protocol/telemetry-payload.js';
import type { Limits } from './config.js';

interface Received<T> {
  deviceId: string;
  receivedAt: number;
  item: T;
}

/** A group of device messages once read: the reply to give, and what to store. */
export interface Group {
  results: devicePorts.DeviceResult[];
  sets: Array<Received<ReadingSet>>;
  events: Array<Received<ReportedEvent>>;
  /** Message ids to claim, flat: device id, message id, received at. */
  ids: Values;
}

const accepted: devicePorts.DeviceResult = { accepted: true };

/**
 * Reads every message of a group; an id repeated within the group is dropped here, accepted but without effect.
 * Refused messages are only answered: the device listener records them through `recordRejections`.
 */
export function readGroup(messages: devicePorts.DeviceMessage[], limits: Limits): Group {
  const group: Group = { results: [], sets: [], events: [], ids: [] };
  const keys = new Set<string>();
  const firstOf = ({ deviceId, receivedAt }: devicePorts.DeviceMessage, id: string | undefined) => {
    if (id === undefined) return true;
    const key = messageKey(deviceId, id);
    if (keys.has(key)) return false;
    keys.add(key);
    group.ids.push(deviceId, id, receivedAt);
    return true;
  };
  for (const message of messages) {
    const { deviceId, receivedAt } = message;
    const read = readMessage(message, limits);
    if (!read.accepted) {
      group.results.push(read);
      continue;
    }
    group.results.push(accepted);
    if ('sets' in read) {
      for (const set of read.sets) if (firstOf(message, set.id)) group.sets.push({ deviceId, receivedAt, item: set });
    } else if (firstOf(message, read.event.id)) group.events.push({ deviceId, receivedAt, item: read.event });
  }
  return group;
}

/** True unless the item's id was already stored by an earlier group (`fresh` holds the ids claimed now). */
const isFresh = (fresh: Set<string>, { deviceId, item }: Received<{ id?: string }>) =>
  item.id === undefined || fresh.has(messageKey(deviceId, item.id));

/** Rows of `readings` for the fresh reading sets, flat in `readingColumns` order; no ts means the receive time. */
export function readingValues(group: Group, fresh: Set<string>): Values {
  const values: Values = [];
  for (const received of group.sets) {
    if (!isFresh(fresh, received)) continue;
    const { deviceId, receivedAt, item } = received;
    const ts = item.ts ?? receivedAt;
    for (const metric in item.metrics) values.push(deviceId, metric, ts, item.metrics[metric], receivedAt);
  }
  return values;
}

/** Rows of `device_events` for the fresh events, flat in `eventColumns` order. */
export function eventValues(group: Group, fresh: Set<string>): Values {
  const values: Values = [];
  for (const received of group.events) {
    if (!isFresh(fresh, received)) continue;
    const { deviceId, receivedAt, item } = received;
    values.push(deviceId, item.type, item.id ?? null, item.ts ?? receivedAt, item.json, receivedAt);
  }
  return values;
}
