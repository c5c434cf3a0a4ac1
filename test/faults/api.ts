import { adminEmail, adminPassword } from '../support/host.js';

/** A call to the deployment's HTTP API as the admin: the status, the media type and the parsed body. */
export type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; type: string; body: any }>;

/** Logs in as the admin at `base` and returns a caller that carries the token. */
export async function adminApi(base: string): Promise<Api> {
  let token: string | undefined;
  const api: Api = async (method, path, body) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type')?.split(';')[0] ?? '', body: text ? JSON.parse(text) : {} };
  };
  const login = await api('POST', '/api/identity/login', { email: adminEmail, password: adminPassword });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  token = login.body.token;
  return api;
}

/** The body of a call that must succeed with `status`. */
export async function expect(api: Api, status: number, method: string, path: string, body?: unknown): Promise<any> {
  const res = await api(method, path, body);
  if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
