/** One HTTP exchange with the devices routes, as the tests read it. */
export interface Reply {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A caller of `/api/devices` on `baseUrl` that keeps every response text, to search them afterwards. */
export function devicesApi(baseUrl: string) {
  const seen: string[] = [];
  async function call(method: string, path: string, token?: string, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}/api/devices${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    seen.push(text);
    const json = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
    return { status: res.status, text, body: json ? JSON.parse(text) : undefined };
  }
  return {
    seen,
    get: (path: string, token?: string) => call('GET', path, token),
    post: (path: string, body: unknown, token?: string) => call('POST', path, token, body),
    delete: (path: string, token?: string) => call('DELETE', path, token),
  };
}

export type DevicesApi = ReturnType<typeof devicesApi>;

export const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
