import { randomUUID } from 'node:crypto';
import type { ModuleDefinition } from '../../../src/index.js';
import { injectEvent } from '../../../test/support/events.js';
import { eventually, startTestHost, type TestHost } from '../../../test/support/host.js';
import type { Alert } from '../contract.js';
import { modules } from '../../index.js';
import alerts from '../index.js';

/** One HTTP exchange with alerts' routes, as the tests read it. */
export interface Reply {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface AlertsHost extends TestHost {
  operator: string;
  viewer: string;
  operatorEmail: string;
  call(method: string, path: string, token: string, body?: unknown): Promise<Reply>;
}

const password = 'a-good-password';

async function send(url: string, method: string, token: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
}

/** A host of identity and alerts (plus `extra`), with an operator's and a viewer's token. */
export async function startAlertsHost({ extra = [], config = {} }: { extra?: ModuleDefinition[]; config?: Record<string, unknown> } = {}): Promise<AlertsHost> {
  const others = modules.filter((module) => module.contract.name !== alerts.contract.name);
  const host = await startTestHost({ modules: [...others, alerts, ...extra], config });
  const admin = await host.login();
  const tokenOf = async (role: string) => {
    const email = `${role}@example.test`;
    const created = await send(`${host.url}/api/identity/users`, 'POST', admin, { email, password, role });
    if (created.status !== 201) throw new Error(`creating the ${role} failed: ${created.status} ${created.text}`);
    return host.login(email, password);
  };
  return {
    ...host,
    operator: await tokenOf('operator'),
    viewer: await tokenOf('viewer'),
    operatorEmail: 'operator@example.test',
    call: (method, path, token, body) => send(`${host.url}/api/alerts${path}`, method, token, body),
  };
}

export interface RuleInput {
  name?: string;
  deviceId?: string;
  metric: string;
  op: 'gt' | 'gte' | 'lt' | 'lte';
  threshold: number;
}

export async function createRule(h: AlertsHost, rule: RuleInput) {
  const res = await h.call('POST', '/rules', h.operator, { name: `${rule.metric} ${rule.op} ${rule.threshold}`, ...rule });
  if (res.status !== 201) throw new Error(`creating a rule failed: ${res.status} ${res.text}`);
  return res.body as { id: string };
}

let clockMs = Date.parse('2030-01-01T00:00:00Z');

/** Telemetry's `readingsRecorded` for one device, readings in the order given with increasing timestamps. */
export function recordReadings(h: AlertsHost, deviceId: string, readings: Array<[metric: string, value: number]>, eventId?: string) {
  const data = { devices: [{ deviceId, readings: readings.map(([metric, value]) => ({ metric, value, ts: new Date(clockMs++).toISOString() })) }] };
  return injectEvent(h, 'telemetry', 'readingsRecorded', data, eventId ?? randomUUID());
}

export async function listAlerts(h: AlertsHost, query = ''): Promise<Alert[]> {
  const res = await h.call('GET', `/${query}`, h.viewer);
  if (res.status !== 200) throw new Error(`listing alerts failed: ${res.status} ${res.text}`);
  return res.body.alerts;
}

/** Polls the alert list until `ready` holds for it. */
export function alertsWhen(h: AlertsHost, ready: (alerts: Alert[]) => boolean, query = '', what = 'alerts'): Promise<Alert[]> {
  return eventually(async () => {
    const alerts = await listAlerts(h, query);
    return ready(alerts) ? alerts : undefined;
  }, 5000, what);
}
