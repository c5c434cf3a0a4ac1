import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';

/**
 * Tracing as the hot paths see it: only `@opentelemetry/api`, and nothing at all while tracing is off (no span,
 * no context switch), so HTTP, bus calls and device ingestion cost what they cost before. The SDK that records
 * and exports spans is loaded only when tracing is on (see `tracing-sdk.ts`).
 */

export { SpanKind, SpanStatusCode };
export type { Context, Span };

let on = false;
const tracer = trace.getTracer('cleave');

/** True once a tracer provider is registered: spans are then made and trace context carried in envelopes. */
export function tracingOn(): boolean {
  return on;
}

/** Marks tracing on (or off again): called by whoever registers the global tracer provider. */
export function setTracingOn(value: boolean): void {
  on = value;
}

/** True when `env` turns tracing on: so the SDK is loaded only then (standard `OTEL_*` variables). */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  const exporter = (env.OTEL_TRACES_EXPORTER ?? '').trim();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context whose parent is the remote span a W3C `traceparent` names; the root context without a valid one. */
export function parentFrom(traceparent: string | undefined): Context {
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

/** Starts a span; its parent is `parent`, else the active span. Call only when `tracingOn()`. */
export function startSpan(name: string, kind: SpanKind, parent: Context = context.active()): Span {
  return tracer.startSpan(name, { kind }, parent);
}

/** Runs `fn` with `span` active under `parent`, so that spans started and log lines written inside belong to it. */
export function within<T>(span: Span, fn: () => T, parent: Context = context.active()): T {
  return context.with(trace.setSpan(parent, span), fn);
}

/** Marks a span failed with a stable error code (`cleave.error.code`) and ends it. */
export function endFailed(span: Span, code: string, message?: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? code });
  if (span.isRecording()) span.setAttribute('cleave.error.code', code);
  span.end();
}

/** The code of a failure: a CleaveError's stable code, else `INTERNAL`. */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'INTERNAL';
}

/** Runs `fn` in a new span that ends when it settles, failed (with the error's code) when it throws. */
export async function inSpan<T>(name: string, kind: SpanKind, fn: (span: Span) => Promise<T>, parent?: Context): Promise<T> {
  const span = startSpan(name, kind, parent);
  try {
    const value = await within(span, () => fn(span), parent);
    span.end();
    return value;
  } catch (err) {
    endFailed(span, codeOf(err), (err as Error)?.message);
    throw err;
  }
}

/**
 * `trace_id` and `span_id` of the active span, as a new object for a log line; undefined outside a span and
 * with tracing off.
 */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!on) return undefined;
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
