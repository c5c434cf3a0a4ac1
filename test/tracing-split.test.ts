import test from 'ava';
import mqtt from 'mqtt';
import { mosquittoForFile } from './support/broker-per-file.js';
import { processGroups } from './support/deployments.js';
import { adminEmail, adminPassword, eventually } from './support/host.js';
import { renderTrace, startOtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';

const broker = mosquittoForFile('tracing across processes');

type Json = Record<string, any>;

async function call(url: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

if (broker.available) {
  test('when a device sends a reading over a rule\'s threshold in a split deployment, then one trace runs through the gateway, telemetry and alerts processes', async (t) => {
    const receiver = await startOtlpReceiver();
    t.teardown(() => receiver.stop());
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_SERVICE_NAME: 'cleave-test' };
    const deployment = await processGroups({ mqttUrl: broker.url, env }, [['identity', 'devices', 'commands'], ['telemetry'], ['alerts']]);
    t.teardown(() => deployment.stop());

    const { body: login } = await call(deployment.url, 'POST', '/api/identity/login', { email: adminEmail, password: adminPassword });
    const rule = await call(deployment.url, 'POST', '/api/alerts/rules', { name: 'too hot', metric: 'temp', op: 'gt', threshold: 50 }, login.token);
    t.is(rule.status, 201);
    const device = await call(deployment.url, 'POST', '/api/devices', { id: 'traced-pump', name: 'Traced pump' }, login.token);
    t.is(device.status, 201);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${deployment.edgePort}`, {
      clientId: 'traced-pump',
      username: 'traced-pump',
      password: device.body.secret,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    t.teardown(() => client.endAsync());
    await client.publishAsync('v1/devices/traced-pump/telemetry', JSON.stringify({ metrics: { temp: 80 } }), { qos: 1 });

    const trace = await eventually(
      async () => {
        const raised = receiver.spans.find((s) => s.name === 'publish alerts.alertRaised');
        if (!raised) return undefined;
        const spans = receiver.spans.filter((s) => s.traceId === raised.traceId);
        // Each process exports its spans in its own batches: wait until all three have sent theirs.
        const wanted = ['receive telemetry.ingestTelemetry', 'telemetry.ingestTelemetry', 'process telemetry.readingsRecorded'];
        const kinds = spans.filter((s) => s.name === 'telemetry.ingestTelemetry').map((s) => s.kind);
        return wanted.every((name) => spans.some((s) => s.name === name)) && kinds.includes(2) && kinds.includes(3) ? spans : undefined;
      },
      30_000,
      () => `a trace from the device to alertRaised; spans so far: ${receiver.spans.map((s) => s.name).join(', ')}`,
    );

    const named = (name: string) => trace.find((s) => s.name === name);
    const group = named('receive telemetry.ingestTelemetry')!;
    const ingest = trace.find((s) => s.name === 'telemetry.ingestTelemetry' && s.kind === 3)!;
    const served = trace.find((s) => s.name === 'telemetry.ingestTelemetry' && s.kind === 2)!;
    const handled = named('process telemetry.readingsRecorded')!;
    const raised = named('publish alerts.alertRaised')!;
    t.truthy(group && ingest && served && handled && raised);
    t.is(group.parentSpanId, undefined);
    t.is(ingest.parentSpanId, group.spanId);
    t.is(served.parentSpanId, ingest.spanId);
    const recorded = trace.find((s) => s.spanId === handled.parentSpanId) as ReceivedSpan;
    t.is(recorded.name, 'publish telemetry.readingsRecorded');
    const instances = new Set(trace.map((s) => s.instance));
    t.true(instances.size >= 3, `instances in the trace: ${[...instances].join(', ')}`);
    t.is(group.instance, ingest.instance);
    t.not(served.instance, group.instance);
    t.not(handled.instance, served.instance);
    t.is(raised.instance, handled.instance);
    const name = (instance: string) => instance.replace(/^t[0-9a-f]{8}-/, '');
    t.log(`\n${renderTrace(trace, name)}`);

    const latest = await call(deployment.url, 'GET', '/api/telemetry/devices/traced-pump/latest', undefined, login.token);
    t.is(latest.status, 200);
    const request = await eventually(async () => receiver.spans.find((s) => s.name === 'GET /api/telemetry/devices/:id/latest'), 10_000, 'the request\'s span');
    const forwarded = await eventually(async () => {
      const spans = receiver.spans.filter((s) => s.traceId === request.traceId);
      return spans.some((s) => s.kind === 2 && s.name.startsWith('telemetry.')) ? spans : undefined;
    }, 10_000, 'the span of the module that answered');
    t.deepEqual([...new Set(forwarded.map((s) => name(s.instance)))].sort(), ['gateway', 'telemetry']);
    t.log(`\n${renderTrace(forwarded, name)}`);
  });
}
