/** One HTTP exchange with identity's routes, as the tests read it. */
export interface Reply {
  status: number;
  type: string;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface Send {
  token?: string;
  body?: unknown;
}

/** A caller of `/api/identity` on `baseUrl` that also keeps every response text, to search them afterwards. */
export function identityApi(baseUrl: string) {
  const seen: string[] = [];
  async function call(method: string, path: string, { token, body }: Send = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}/api/identity${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    seen.push(text);
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, text, body: type.includes('json') ? JSON.parse(text) : undefined };
  }
  return {
    seen,
    get: (path: string, token?: string) => call('GET', path, { token }),
    post: (path: string, body: unknown, token?: string) => call('POST', path, { token, body }),
  };
}

export const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
