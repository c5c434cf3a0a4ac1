import { orderedId } from './ordered-id.js';

/** Who is calling: carried by every message so handlers can authorise. */
export interface Principal {
  /** Subject: the user or device id. */
  sub: string;
  role: 'viewer' | 'operator' | 'admin' | 'device' | 'system';
  email?: string;
}

/**
 * One message on the bus: a JSON object that carries its own metadata, CloudEvents attribute names plus
 * correlation, causation, trace context, reply address, deadline and principal. Transports move it as is.
 */
export interface Envelope<T = unknown> {
  id: string;
  /** The sender: `<module>@<instance>`. */
  source: string;
  /** `<module>.<operation>` for a request, `<module>.<event>` for an event. */
  type: string;
  /** ISO-8601. */
  time: string;
  data: T;
  correlationid: string;
  causationid?: string;
  /** W3C trace context: the span that sent the message (tracing on), else the one an HTTP caller sent, if any. */
  traceparent?: string;
  /** Where a reply goes (MQTT transport). */
  replyto?: string;
  /** Epoch milliseconds after which nobody waits for the reply. */
  deadline?: number;
  /** The version of the target module's contract the caller was built with (requests). */
  contractversion?: string;
  principal?: Principal;
}

/** The context a new message inherits from the one being handled. */
export interface MessageContext {
  correlationid?: string;
  causationid?: string;
  traceparent?: string;
  principal?: Principal;
}

let lastMs = 0;
let lastIso = '';

/** Now as ISO-8601, formatted once per millisecond. */
function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/** Builds an envelope; a new correlation id is made when the context has none. */
export function envelope<T>(source: string, type: string, data: T, context: MessageContext = {}): Envelope<T> {
  const id = orderedId();
  const result: Envelope<T> = {
    id,
    source,
    type,
    time: isoNow(),
    data,
    correlationid: context.correlationid ?? id,
  };
  if (context.causationid) result.causationid = context.causationid;
  if (context.traceparent) result.traceparent = context.traceparent;
  if (context.principal) result.principal = context.principal;
  return result;
}

/** The context for messages sent while handling `message`: same correlation, caused by it. */
export function contextOf(message: Envelope): MessageContext {
  return {
    correlationid: message.correlationid,
    causationid: message.id,
    traceparent: message.traceparent,
    principal: message.principal,
  };
}

/** A deep copy of JSON data (what crosses the bus is JSON by contract), faster than structuredClone. */
export function copyJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyJson) as T;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = copyJson(item);
  }
  return out as T;
}
