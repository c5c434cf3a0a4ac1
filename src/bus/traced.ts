import { codeOf, endFailed, parentFrom, startSpan, traceparentOf, tracingOn, within, type Context } from '../observability/tracing.js';
import type { Envelope } from './envelope.js';
import type { Reply, RequestHandler } from './transport.js';

/**
 * The bus's spans, each tied to the envelope that crosses: a call's client span names itself in the request's
 * `traceparent`, the server span of the module that serves it is its child, wherever that module runs; an
 * event's producer span names itself in the event's `traceparent` (kept in the outbox row), and each consumer's
 * span is its child. With tracing off every function here hands straight through.
 */

const rpcSystem = 'cleave';

/** Sends `request` inside a CLIENT span of the active span, which the request's `traceparent` then names. */
export function sendTraced(request: Envelope, send: () => Promise<Reply>): Promise<Reply> {
  if (!tracingOn()) return send();
  const span = startSpan(request.type, 'CLIENT');
  request.traceparent = traceparentOf(span);
  if (span.isRecording()) span.setAttributes({ 'rpc.system': rpcSystem, 'rpc.method': request.type, 'messaging.message.id': request.id });
  return send().then(
    (reply) => {
      if (reply.ok) span.end();
      else endFailed(span, reply.error.code);
      return reply;
    },
    (err: unknown) => {
      endFailed(span, codeOf(err));
      throw err;
    },
  );
}

/** `handler` run inside a SERVER span whose parent is the request's `traceparent`. */
export function servedTraced(name: string, handler: RequestHandler): RequestHandler {
  return (request) => {
    if (!tracingOn()) return handler(request);
    const parent = parentFrom(request.traceparent);
    const span = startSpan(name, 'SERVER', parent);
    if (span.isRecording()) span.setAttributes({ 'rpc.system': rpcSystem, 'rpc.method': name, 'messaging.message.id': request.id, 'cleave.caller': request.source });
    return within(span, () => handler(request), parent).then((reply) => {
      if (reply.ok) span.end();
      else endFailed(span, reply.error.code);
      return reply;
    });
  };
}

/**
 * Marks an event published in a PRODUCER span, a child of `parent` (the transaction that writes it to the outbox),
 * and names that span in the event's `traceparent`, so the consumers' spans continue the trace when the relay
 * delivers it later.
 */
export function publishedTraced(event: Envelope, parent: Context | undefined): void {
  if (!tracingOn() || !parent) return;
  const span = startSpan(`publish ${event.type}`, 'PRODUCER', parent);
  event.traceparent = traceparentOf(span);
  if (span.isRecording()) span.setAttributes({ 'messaging.system': rpcSystem, 'messaging.operation.type': 'publish', 'messaging.destination.name': event.type, 'messaging.message.id': event.id });
  span.end();
}

/**
 * Handles one event inside a CONSUMER span whose parent is the event's `traceparent`. One span per event even
 * when the inbox handles several in one transaction: each event continues the trace of its own publisher.
 */
export function handledTraced<T>(consumer: string, event: Envelope, handle: () => Promise<T>): Promise<T> {
  if (!tracingOn()) return handle();
  const parent = parentFrom(event.traceparent);
  const span = startSpan(`process ${event.type}`, 'CONSUMER', parent);
  if (span.isRecording()) span.setAttributes({ 'messaging.system': rpcSystem, 'messaging.operation.type': 'process', 'messaging.destination.name': event.type, 'messaging.consumer.group.name': consumer, 'messaging.message.id': event.id });
  return within(span, handle, parent).then(
    (value) => {
      span.end();
      return value;
    },
    (err: unknown) => {
      endFailed(span, codeOf(err));
      throw err;
    },
  );
}
