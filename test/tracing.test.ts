import { Writable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { registerTracerProvider } from '../src/observability/tracing-sdk.js';
import { connectDevice, registerDevice } from './support/devices.js';
import { eventually, startTestHost, type TestHost } from './support/host.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

const stores = (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
const edge = { 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1' };
const exporter = new InMemorySpanExporter();
const tracing = registerTracerProvider(new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
const lines: Array<Record<string, unknown>> = [];
let h: TestHost;
let token: string;

test.before(async () => {
  const logTo = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  h = await startTestHost({ logTo, config: edge });
  token = await h.login();
});

test.after.always(async () => {
  await h?.stop();
  await tracing.shutdown();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;

/** The finished span named `name` whose parent is `parent` (any parent when none is given). */
function spanNamed(name: string, parent?: ReadableSpan): ReadableSpan | undefined {
  return exporter.getFinishedSpans().find((span) => span.name === name && (!parent || parentOf(span) === idOf(parent)));
}

const waitFor = (name: string, parent?: ReadableSpan) => eventually(async () => spanNamed(name, parent), 5000, () => `span "${name}"; finished: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, on = { host: h, token }) {
  const res = await fetch(`${on.host.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${on.token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test.serial('when an HTTP request calls a module that calls another, then their spans form one trace of server, client and server spans, failed ones with their code', async (t) => {
  exporter.reset();
  // A device the commands module has not heard of: it asks the registry, which does not know it either.
  const sent = await api('POST', '/api/commands', { deviceId: 'unknown-pump', name: 'set-speed', args: { rpm: 900 } });
  t.is(sent.status, 404);

  const request = await waitFor('POST /api/commands');
  t.is(request.kind, SpanKind.SERVER);
  t.is(request.attributes['http.route'], '/api/commands');
  t.is(request.attributes['http.response.status_code'], 404);
  const client = await waitFor('commands.sendCommand', request);
  t.is(client.kind, SpanKind.CLIENT);
  const server = await waitFor('commands.sendCommand', client);
  t.is(server.kind, SpanKind.SERVER);
  const nestedClient = await waitFor('devices.getDevice', server);
  t.is(nestedClient.kind, SpanKind.CLIENT);
  const nestedServer = await waitFor('devices.getDevice', nestedClient);
  t.is(nestedServer.kind, SpanKind.SERVER);
  t.is(nestedServer.status.code, SpanStatusCode.ERROR);
  t.is(nestedServer.attributes['cleave.error.code'], 'NOT_FOUND');
  t.is(server.attributes['cleave.error.code'], 'NOT_FOUND');
  t.is(new Set([request, client, server, nestedClient, nestedServer].map(traceOf)).size, 1);
});

test.serial('when a module publishes an event, then each consumer handles it in a span that is a child of its publication in the publishing transaction', async (t) => {
  exporter.reset();
  const device = await registerDevice(h, { name: 'event pump' });

  const request = await waitFor('POST /api/devices');
  const server = await waitFor('devices.registerDevice', await waitFor('devices.registerDevice', request));
  const transaction = await waitFor('devices transaction', server);
  const publication = await waitFor('publish devices.deviceRegistered', transaction);
  t.is(publication.kind, SpanKind.PRODUCER);
  t.is(publication.attributes['messaging.destination.name'], 'devices.deviceRegistered');
  const handling = await waitFor('process devices.deviceRegistered', publication);
  t.is(handling.kind, SpanKind.CONSUMER);
  t.is(handling.attributes['messaging.consumer.group.name'], 'telemetry');
  t.is(traceOf(handling), traceOf(request));
  t.truthy(device.id);
});

/** The shared host on SQLite, or a host of its own on a new PostgreSQL database (whose pool hands connections across async contexts). */
async function hostOn(t: ExecutionContext, store: string): Promise<{ host: TestHost; token: string }> {
  if (store === 'sqlite') return { host: h, token };
  const database = await createDatabase();
  const host = await startTestHost({ config: { ...edge, 'db.url': database.url } });
  t.teardown(async () => {
    await host.stop();
    await database.drop();
  });
  return { host, token: await host.login() };
}

for (const store of stores) {
  test.serial(`[${store}] when a device sends a reading over a rule's threshold, then one trace runs from its group through ingestion and alerting to the alert's publication`, async (t) => {
    const on = await hostOn(t, store);
    const rule = await api('POST', '/api/alerts/rules', { name: 'too hot', metric: 'temp', op: 'gt', threshold: 50 }, {}, on);
    t.is(rule.status, 201);
    const device = await registerDevice(on.host, { name: 'hot pump' });
    exporter.reset();
    const client = await connectDevice(on.host, device);
    t.teardown(() => client.endAsync());
    await client.publishAsync(`v1/devices/${device.id}/telemetry`, JSON.stringify({ metrics: { temp: 80 } }), { qos: 1 });

    const group = await waitFor('receive telemetry.ingestTelemetry');
    t.is(group.kind, SpanKind.CONSUMER);
    t.is(parentOf(group), undefined);
    t.is(group.attributes['messaging.batch.message_count'], 1);
    const ingest = await waitFor('telemetry.ingestTelemetry', await waitFor('telemetry.ingestTelemetry', group));
    const recorded = await waitFor('publish telemetry.readingsRecorded', await waitFor('telemetry transaction', ingest));
    const handled = await waitFor('process telemetry.readingsRecorded', recorded);
    t.is(handled.attributes['messaging.consumer.group.name'], 'alerts');
    const raised = await waitFor('publish alerts.alertRaised', handled);
    t.is(traceOf(raised), traceOf(group));
  });
}

test.serial('when a caller sends a traceparent, then the request\'s span continues its trace', async (t) => {
  exporter.reset();
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  await api('GET', '/api/devices', undefined, { traceparent });
  const request = await waitFor('GET /api/devices');
  t.is(traceOf(request), '4bf92f3577b34da6a3ce929d0e0e4736');
  t.is(parentOf(request), '00f067aa0ba902b7');
});

test.serial('when a log line is written inside a span, then it carries the trace_id and span_id of that span', async (t) => {
  exporter.reset();
  await api('GET', '/api/devices');
  const request = await waitFor('GET /api/devices');
  const line = await eventually(async () => lines.find((l) => l.msg === 'http request' && l.path === '/api/devices' && l.trace_id === traceOf(request)), 5000, 'the access log line');
  t.is(line.span_id, idOf(request));
});
