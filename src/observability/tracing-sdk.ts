import * as api from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { setTracing, tracingOn } from './tracing.js';

/**
 * The OpenTelemetry SDK of a host, loaded (by dynamic import) only when the standard `OTEL_*` variables turn
 * tracing on: spans are batched (`OTEL_BSP_*`) and sent with OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`, or
 * printed with `OTEL_TRACES_EXPORTER=console`. The resource names the process: `service.name` (`OTEL_SERVICE_NAME`,
 * default `cleave`), `service.instance.id` (the host's instance id), the hosted modules, and
 * `OTEL_RESOURCE_ATTRIBUTES`.
 */

/** A started tracer provider: `shutdown` exports what is left and stops. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/** The process that a provider's spans come from. */
export interface TracedProcess {
  instanceId: string;
  modules: string[];
  version: string;
}

/** Registers `provider` as the global tracer provider with W3C trace context, and turns Cleave's spans on. */
export function registerTracerProvider(provider: NodeTracerProvider): Tracing {
  provider.register({ propagator: new W3CTraceContextPropagator() });
  setTracing(api);
  return {
    async shutdown() {
      setTracing(undefined);
      await provider.shutdown();
      // Unregistered, so that a host started later in this process may register a provider of its own.
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
    },
  };
}

/**
 * Starts tracing for this process as `env` asks; undefined when it does not ask, or when a provider is registered
 * already (another host in the same process, or a test's own).
 */
export function startTracing(env: NodeJS.ProcessEnv, process: TracedProcess): Tracing | undefined {
  if (tracingOn()) return undefined;
  const exporter = exporterOf(env);
  if (!exporter) return undefined;
  const resource = defaultResource()
    .merge(
      resourceFromAttributes({
        'service.name': 'cleave',
        'service.version': process.version,
        'service.instance.id': process.instanceId,
        'cleave.modules': process.modules,
      }),
    )
    .merge(detectResources({ detectors: [envDetector] }));
  return registerTracerProvider(new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] }));
}

/** The exporter `OTEL_TRACES_EXPORTER` names (`otlp` when only an OTLP endpoint is set); none when tracing is off. */
function exporterOf(env: NodeJS.ProcessEnv): SpanExporter | undefined {
  const names = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const chosen = names.length ? names[0] : endpoint ? 'otlp' : 'none';
  if (chosen === 'none') return undefined;
  if (chosen === 'console') return new ConsoleSpanExporter();
  if (chosen === 'otlp') return new OTLPTraceExporter();
  throw new Error(`OTEL_TRACES_EXPORTER=${chosen} is not supported: use otlp, console or none`);
}
