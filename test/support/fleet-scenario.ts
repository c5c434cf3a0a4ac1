import mqtt, { type MqttClient } from 'mqtt';
import type { Deployment } from './deployments.js';
import { adminEmail, adminPassword, eventually } from './host.js';

/** One observation of the scenario: a step and what a user saw, with generated ids and clocks left out. */
export type Step = [step: string, seen: unknown];

type Json = Record<string, any>;

/**
 * The fleet scenario through public interfaces only (HTTP and a device over MQTT): an admin logs in, registers
 * a device, sets a rule; the device publishes telemetry; readings and aggregates are read; an alert is raised,
 * acknowledged and resolved; a command reaches the device and its reply settles it; the device is decommissioned,
 * disconnected and refused. Returns what was seen,
 * so every topology can be held to the same transcript.
 */
export async function fleetScenario(d: Deployment): Promise<Step[]> {
  const steps: Step[] = [];
  const api = client(d.url);
  const login = await api('POST', '/api/identity/login', { email: adminEmail, password: adminPassword });
  steps.push(['admin logs in', { status: login.status, hasToken: typeof login.body.token === 'string' }]);
  api.token = login.body.token;
  const me = await api('GET', '/api/identity/me');
  steps.push(['admin reads itself', { status: me.status, email: me.body.email, role: me.body.role }]);

  const badRule = await api('POST', '/api/alerts/rules', { name: 'x', metric: 'temp', op: 'above', threshold: 1 });
  steps.push(['a bad rule is refused', { status: badRule.status, type: badRule.type, code: badRule.body.code }]);
  const rule = await api('POST', '/api/alerts/rules', { name: 'too hot', metric: 'temp', op: 'gt', threshold: 50 });
  steps.push(['an operator rule is created', { status: rule.status, name: rule.body.name, op: rule.body.op }]);
  const registered = await api('POST', '/api/devices', { id: 'pump-1', name: 'Pump 1', labels: { site: 'north' } });
  steps.push(['a device is registered', { status: registered.status, id: registered.body.id, labels: registered.body.labels, hasSecret: typeof registered.body.secret === 'string' }]);

  const device = await connect(d.edgePort, 'pump-1', registered.body.secret);
  const online = await eventually(async () => ((await api('GET', '/api/devices/pump-1')).body.online === true ? true : undefined), 10_000, 'the device online');
  steps.push(['the device connects and is online', online]);
  await publish(device, { ts: '2030-01-01T00:00:10Z', metrics: { temp: 20, humidity: 40 } });
  await publish(device, { ts: '2030-01-01T00:00:20Z', metrics: { temp: 60 } });
  await publish(device, { metrics: { temp: 'hot' } });

  const readings = await api('GET', '/api/telemetry/devices/pump-1/readings?metric=temp');
  steps.push(['temperature readings, newest first', readings.body.readings.map((r: Json) => [r.ts, r.value])]);
  const aggregates = await api('GET', '/api/telemetry/devices/pump-1/aggregates?bucket=1m&from=2030-01-01T00:00:00Z');
  steps.push(['aggregates per minute', aggregates.body.aggregates.map((a: Json) => [a.bucket, a.metric, a.min, a.max, a.avg, a.count])]);
  const rejections = await api('GET', '/api/telemetry/rejections?deviceId=pump-1');
  steps.push(['the malformed message is recorded', rejections.body.rejections.map((r: Json) => r.code)]);

  const raised = await alertsWhere(api, 'open', 1);
  steps.push(['an alert is raised', raised.map((a) => [a.ruleName, a.deviceId, a.metric, a.value, a.state])]);
  const ack = await api('POST', `/api/alerts/${raised[0].id}/ack`);
  steps.push(['the alert is acknowledged', { status: ack.status, state: ack.body.state, by: typeof ack.body.acknowledgedBy }]);
  await publish(device, { ts: '2030-01-01T00:00:30Z', metrics: { temp: 30 } });
  const resolved = await alertsWhere(api, 'resolved', 1);
  steps.push(['the alert is resolved', resolved.map((a) => [a.id === raised[0].id, a.state, a.acknowledgedAt !== null])]);

  await device.subscribeAsync('v1/devices/pump-1/commands/+', { qos: 1 });
  const arrived = nextCommand(device);
  const command = await api('POST', '/api/commands', { deviceId: 'pump-1', name: 'set-speed', args: { rpm: 1200 } });
  steps.push(['a command is queued', { status: command.status, state: command.body.state, name: command.body.name }]);
  const received = await arrived;
  steps.push(['the device receives it', { topic: received.topic, args: received.payload.args, sameId: received.payload.id === command.body.id }]);
  await device.publishAsync('v1/devices/pump-1/replies', JSON.stringify({ id: command.body.id, ok: true, result: { rpm: 1180 } }), { qos: 1 });
  const settled = await eventually(async () => {
    const { body } = await api('GET', `/api/commands/${command.body.id}`);
    return body.state === 'succeeded' ? body : undefined;
  }, 10_000, 'the command to succeed');
  steps.push(['the device answers and the command succeeds', { state: settled.state, result: settled.result }]);

  const decommissioned = await api('DELETE', '/api/devices/pump-1');
  await eventually(async () => (device.connected ? undefined : true), 10_000, 'the device to be disconnected');
  steps.push(['the device is decommissioned and disconnected', { status: decommissioned.status, connected: device.connected }]);
  const refused = await connect(d.edgePort, 'pump-1', registered.body.secret).then((c) => c.endAsync().then(() => 'accepted'), (err: Error) => err.message);
  steps.push(['the device is refused', refused]);
  const history = await api('GET', '/api/telemetry/devices/pump-1/latest');
  steps.push(['its history stays readable', history.body.readings.map((r: Json) => [r.metric, r.value])]);
  return steps;
}

type Api = ((method: string, path: string, body?: unknown) => Promise<{ status: number; type: string; body: Json }>) & { token?: string };

function client(base: string): Api {
  const api: Api = async (method, path, body) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (api.token) headers.authorization = `Bearer ${api.token}`;
    const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type')?.split(';')[0] ?? '', body: text ? JSON.parse(text) : {} };
  };
  return api;
}

function alertsWhere(api: Api, state: string, count: number): Promise<Json[]> {
  return eventually(async () => {
    const { body } = await api('GET', `/api/alerts?state=${state}`);
    return body.alerts.length === count ? (body.alerts as Json[]) : undefined;
  }, 10_000, `${count} ${state} alert(s)`);
}

function connect(port: number, id: string, secret: string): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: id, username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000,
  });
}

/** The next command the device receives, within ten seconds. */
function nextCommand(device: MqttClient): Promise<{ topic: string; payload: Json }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no command reached the device within 10 s')), 10_000);
    device.on('message', (topic, payload) => {
      if (!topic.includes('/commands/')) return;
      clearTimeout(timer);
      resolve({ topic, payload: JSON.parse(payload.toString()) as Json });
    });
  });
}

/** Publishes telemetry at QoS 1: resolved once the PUBACK says it is committed. */
async function publish(device: MqttClient, payload: unknown): Promise<void> {
  await device.publishAsync(`v1/devices/${device.options.clientId}/telemetry`, JSON.stringify(payload), { qos: 1 });
}
