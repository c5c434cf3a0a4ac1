import type { Context, Span, Tracer } from '@opentelemetry/api';

/**
 * Tracing as the hot paths see it. With tracing off no OpenTelemetry code runs here, no span is made and no
 * context switched: HTTP, bus calls and device ingestion cost what they cost before. Whoever registers a tracer
 * provider (see `tracing-sdk.ts`, loaded only when tracing is on) hands `@opentelemetry/api` over with
 * `setTracing`; this file imports only its types.
 */

export type { Context, Span };

type Api = typeof import('@opentelemetry/api');

/** A span kind, by the name `@opentelemetry/api` gives it. */
export type Kind = 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';

let api: Api | undefined;
let tracer: Tracer | undefined;

/** True once a tracer provider is registered: spans are then made and trace context carried in envelopes. */
export function tracingOn(): boolean {
  return api !== undefined;
}

/** Turns Cleave's spans on with the api a tracer provider was registered through, or off again (undefined). */
export function setTracing(loaded: Api | undefined): void {
  api = loaded;
  tracer = loaded?.trace.getTracer('cleave');
}

/** True when `env` turns tracing on, so the SDK is loaded only then (standard `OTEL_*` variables). */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  const exporter = (env.OTEL_TRACES_EXPORTER ?? '').trim();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context of a new trace, not the active one: for work that starts a trace of its own. Tracing on only. */
export function rootContext(): Context {
  return api!.ROOT_CONTEXT;
}

/** The active context. Tracing on only. */
export function activeContext(): Context {
  return api!.context.active();
}

/** The context whose parent is the remote span a W3C `traceparent` names; a new trace's without a valid one. */
export function parentFrom(traceparent: string | undefined): Context {
  const { ROOT_CONTEXT, trace } = api!;
  const match = traceparent ? traceparentPattern.exec(traceparent) : null;
  if (!match) return ROOT_CONTEXT;
  const spanContext = { traceId: match[1], spanId: match[2], traceFlags: parseInt(match[3], 16), isRemote: true };
  return trace.isSpanContextValid(spanContext) ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

/** The W3C `traceparent` of a span, for the envelope that continues its trace in another module or process. */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}

/** Starts a span; its parent is `parent`, else the active span. Tracing on only. */
export function startSpan(name: string, kind: Kind, parent: Context = api!.context.active()): Span {
  return tracer!.startSpan(name, { kind: api!.SpanKind[kind] }, parent);
}

/** `parent` with `span` as its active span. */
export function withSpan(parent: Context, span: Span): Context {
  return api!.trace.setSpan(parent, span);
}

/** Runs `fn` in `context`, so that spans started and log lines written inside belong to its span. */
export function runIn<T>(context: Context, fn: () => T): T {
  return api!.context.with(context, fn);
}

/** Runs `fn` with `span` active under `parent` (default: the active context). */
export function within<T>(span: Span, fn: () => T, parent: Context = api!.context.active()): T {
  return runIn(withSpan(parent, span), fn);
}

/** Marks a span failed (`status` ERROR, whose message is the stable error code, also `cleave.error.code`). */
export function markFailed(span: Span, code: string): void {
  span.setStatus({ code: api!.SpanStatusCode.ERROR, message: code });
  if (span.isRecording()) span.setAttribute('cleave.error.code', code);
}

/** Marks a span failed with a stable error code and ends it. */
export function endFailed(span: Span, code: string): void {
  markFailed(span, code);
  span.end();
}

/** The code of a failure: a CleaveError's stable code, else `INTERNAL`. */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'INTERNAL';
}

/** Runs `fn` in a new span that ends when it settles, failed (with the error's code) when it throws. Tracing on only. */
export async function inSpan<T>(name: string, kind: Kind, fn: (span: Span) => Promise<T>, parent?: Context): Promise<T> {
  const span = startSpan(name, kind, parent);
  try {
    const value = await within(span, () => fn(span), parent);
    span.end();
    return value;
  } catch (err) {
    endFailed(span, codeOf(err));
    throw err;
  }
}

/**
 * `trace_id` and `span_id` of the active span, as a new object for a log line; undefined outside a span and
 * with tracing off.
 */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!api) return undefined;
  const span = api.trace.getSpan(api.context.active());
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
