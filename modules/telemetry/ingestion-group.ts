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
  /** The message key this item is claimed under in the seen ids, when its storing depends on that claim. */
  key?: string;
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
 * The id a reading set is recognised by when it comes again. A set with its own `ts` needs none: its readings are
 * keyed by device, ts and metric, so a copy lands on the rows already stored, however late it comes. A set without
 * `ts` is read at its receive time, which differs on every copy: only its id makes the copies one.
 */
const idToClaim = (set: ReadingSet) => (set.ts === undefined ? set.id : undefined);

/**
 * Reads every message of a group; an id repeated within the group is dropped here, accepted but without effect.
 * Refused messages are only answered: the device listener records them through `recordRejections`.
 */
export function readGroup(messages: devicePorts.DeviceMessage[], limits: Limits): Group {
  const group: Group = { results: [], sets: [], events: [], ids: [] };
  const keys = new Set<string>();
  /** The item as received, with the key it is claimed under; undefined when its id was already seen in the group. */
  const received = <T>({ deviceId, receivedAt }: devicePorts.DeviceMessage, item: T, id: string | undefined): Received<T> | undefined => {
    if (id === undefined) return { deviceId, receivedAt, item };
    const key = messageKey(deviceId, id);
    if (keys.has(key)) return undefined;
    keys.add(key);
    group.ids.push(deviceId, id, receivedAt);
    return { deviceId, receivedAt, item, key };
  };
  for (const message of messages) {
    const read = readMessage(message, limits);
    if (!read.accepted) {
      group.results.push(read);
      continue;
    }
    group.results.push(accepted);
    if ('sets' in read) {
      for (const set of read.sets) {
        const kept = received(message, set, idToClaim(set));
        if (kept) group.sets.push(kept);
      }
    } else {
      const event = received(message, read.event, read.event.id);
      if (event) group.events.push(event);
    }
  }
  return group;
}

/** True unless the item's claim found its id already stored by an earlier group (`fresh` holds the ids claimed now). */
const isFresh = (fresh: Set<string>, { key }: Received<unknown>) => key === undefined || fresh.has(key);

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
