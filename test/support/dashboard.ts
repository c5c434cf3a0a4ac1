import type { TestHost } from './host.js';
import { adminEmail, adminPassword, eventually } from './host.js';
import { registerDevice, connectDevice } from './devices.js';

/** Config of a host with the embedded device broker on a free port. */
export const withDeviceBroker = { 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1' };

/** POSTs the dashboard's sign-in form; answers the response (redirects are not followed). */
export function postSignIn(t: { url: string }, email: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.url}/dashboard/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ email, password }).toString(),
  });
}

/** Signs in through the dashboard's form and returns the `Cookie` header value of the session. */
export async function signIn(t: { url: string }, email = adminEmail, password = adminPassword): Promise<string> {
  const res = await postSignIn(t, email, password);
  if (res.status !== 303) throw new Error(`dashboard sign-in failed: ${res.status} ${await res.text()}`);
  return res.headers.getSetCookie()[0].split(';')[0];
}

/** Calls the host's API as the admin with a JSON body; answers the JSON reply. */
export async function asAdmin<T>(t: TestHost, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.login()}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Creates a user with `role` through the API; answers the password. */
export async function createUser(t: TestHost, email: string, role: 'viewer' | 'operator' | 'admin'): Promise<string> {
  const password = `${role}-password-1`;
  await asAdmin(t, 'POST', '/api/identity/users', { email, password, role });
  return password;
}

/** A rule that raises an alert when a device's `temp` passes 50. */
export const hotRule = { name: 'too hot', metric: 'temp', op: 'gt', threshold: 50 };

/**
 * Registers a device, connects it, and publishes a reading above `hotRule` (which it creates); answers the open
 * alert's id once the alerts module raised it.
 */
export async function raiseHotAlert(t: TestHost, deviceName = 'boiler'): Promise<{ alertId: string; deviceId: string; close: () => void }> {
  await asAdmin(t, 'POST', '/api/alerts/rules', hotRule);
  const device = await registerDevice(t, { name: deviceName });
  const client = await connectDevice(t, device);
  await client.publishAsync(`v1/devices/${device.id}/telemetry`, JSON.stringify({ metrics: { temp: 71 } }), { qos: 1 });
  const alertId = await eventually(async () => {
    const { alerts } = await asAdmin<{ alerts: Array<{ id: string }> }>(t, 'GET', `/api/alerts?state=open&deviceId=${device.id}`);
    return alerts[0]?.id;
  }, 10_000, 'the alert of the hot reading');
  return { alertId, deviceId: device.id, close: () => client.end(true) };
}
