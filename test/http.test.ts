import test from 'ava';
import Koa from 'koa';
import { listen } from '../src/http/server.js';
import { createTokenVerifier } from '../src/http/token-verifier.js';
import { claimsRequired, sign, signingKey, startHost, unsignedToken, type Host } from './fixtures/http-fixture.js';

const hosts: Host[] = [];

async function host(bodyLimit?: number): Promise<Host> {
  const started = await startHost(bodyLimit);
  hosts.push(started);
  return started;
}

test.after.always(async () => {
  await Promise.all(hosts.map((h) => h.server.close(1000)));
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function json(response: Response): Promise<any> {
  return JSON.parse(await response.text());
}

test('when a viewer reads a thing, then it answers 200 with the operation output as JSON', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things/t1`, { headers: bearer(await h.token()) });

  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^application\/json/);
  t.deepEqual(await json(response), { id: 't1', name: 'pump', email: 'ops@example.com' });
});

test('when no token is sent, then it answers a 401 problem with WWW-Authenticate: Bearer', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things/t1`);
  const problem = await json(response);

  t.is(response.status, 401);
  t.regex(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  t.regex(response.headers.get('www-authenticate') ?? '', /^Bearer/);
  t.is(problem.type, 'urn:cleave:problem:unauthenticated');
  t.is(problem.code, 'UNAUTHENTICATED');
  t.is(problem.status, 401);
  t.is(problem.instance, '/api/things/t1');
});

const badTokens: Array<[string, (h: Host) => Promise<string>, RegExp]> = [
  ['the token is expired', (h) => h.token({ expiresAt: Math.floor(Date.now() / 1000) - 60 }), /^token expired$/],
  ['the token is signed by another key', async () => sign(await signingKey('key-1')), /^invalid token/],
  ['the token is unsigned (alg none)', async () => unsignedToken(), /^invalid token/],
  ['the token has the wrong issuer', (h) => h.token({ issuer: 'someone-else' }), /^invalid token.*iss/],
  ['the token has the wrong audience', (h) => h.token({ audience: 'elsewhere' }), /^invalid token.*aud/],
  ['the token lacks the role claim', (h) => h.token({ omit: ['role'] }), /^invalid token: missing claim "role"$/],
  ['the token names an unknown key', async () => sign(await signingKey('key-9')), /^invalid token/],
  ['the token is not a JWT at all', async () => 'not.a.jwt', /^invalid token/],
];

for (const [what, make, detail] of badTokens) {
  test(`when ${what}, then it answers a 401 problem, never a 500`, async (t) => {
    const h = await host();

    const response = await fetch(`${h.url}/api/things/t1`, { headers: bearer(await make(h)) });
    const problem = await json(response);

    t.is(response.status, 401);
    t.regex(response.headers.get('www-authenticate') ?? '', /^Bearer/);
    t.is(problem.code, 'UNAUTHENTICATED');
    t.regex(problem.detail, detail);
  });
}

test('when a viewer calls an operator route, then it answers a 403 problem', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things`, {
    method: 'POST',
    headers: { ...bearer(await h.token({ role: 'viewer' })), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'valve', email: 'a@b.c' }),
  });
  const problem = await json(response);

  t.is(response.status, 403);
  t.is(problem.code, 'PERMISSION_DENIED');
  t.is(problem.type, 'urn:cleave:problem:permission-denied');
});

test('when an operator creates a thing, then it answers the route status with the output', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things`, {
    method: 'POST',
    headers: { ...bearer(await h.token({ role: 'operator' })), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'valve', email: 'a@b.c' }),
  });

  t.is(response.status, 201);
  t.deepEqual(await json(response), { id: 't2', name: 'valve', email: 'a@b.c' });
});

test('when a route answers 204, then the response has no body', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things/t1`, { method: 'DELETE', headers: bearer(await h.token({ role: 'admin' })) });

  t.is(response.status, 204);
  t.is(await response.text(), '');
});

test('when the body is malformed JSON, then it answers a 400 problem saying so', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things`, {
    method: 'POST',
    headers: { ...bearer(await h.token({ role: 'operator' })), 'content-type': 'application/json' },
    body: '{"name": "valve",',
  });
  const problem = await json(response);

  t.is(response.status, 400);
  t.is(problem.code, 'INVALID_ARGUMENT');
  t.regex(problem.detail, /^malformed JSON body/);
});

test('when the body is JSON but not an object, then it answers a 400 problem', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things`, {
    method: 'POST',
    headers: { ...bearer(await h.token({ role: 'operator' })), 'content-type': 'application/json' },
    body: '[1, 2]',
  });

  t.is(response.status, 400);
  t.is((await json(response)).detail, 'request body must be a JSON object, not an array');
});

test('when a field has the wrong type, then the 400 problem names it in detail and errors', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things`, {
    method: 'POST',
    headers: { ...bearer(await h.token({ role: 'operator' })), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'valve', email: 42 }),
  });
  const problem = await json(response);

  t.is(response.status, 400);
  t.is(problem.type, 'urn:cleave:problem:invalid-argument');
  t.is(problem.detail, '/email: Expected string');
  t.true(problem.errors.some((e: any) => e.path === '/email' && e.message === 'Expected string'));
});

test('when the body is larger than the limit, then it answers a 413 problem', async (t) => {
  const h = await host(1024);

  const response = await fetch(`${h.url}/api/things`, {
    method: 'POST',
    headers: { ...bearer(await h.token({ role: 'operator' })), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'x'.repeat(5000), email: 'a@b.c' }),
  });
  const problem = await json(response);

  t.is(response.status, 413);
  t.is(problem.code, 'PAYLOAD_TOO_LARGE');
  t.is(problem.type, 'urn:cleave:problem:payload-too-large');
});

test('when a streamed body without length passes the limit, then it answers a 413 problem', async (t) => {
  const h = await host(1024);
  const chunk = new TextEncoder().encode(' '.repeat(512));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 8) controller.enqueue(chunk);
      else controller.close();
    },
  });

  const response = await fetch(`${h.url}/api/things`, {
    method: 'POST',
    headers: { ...bearer(await h.token({ role: 'operator' })), 'content-type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit);

  t.is(response.status, 413);
  t.is((await json(response)).code, 'PAYLOAD_TOO_LARGE');
});

test('when the body is not JSON, then it answers a 415 problem', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things`, {
    method: 'POST',
    headers: { ...bearer(await h.token({ role: 'operator' })), 'content-type': 'text/plain' },
    body: 'name=valve',
  });
  const problem = await json(response);

  t.is(response.status, 415);
  t.is(problem.code, 'UNSUPPORTED_MEDIA_TYPE');
});

test('when a POST has no body, then the input is an empty object and validation names the missing field', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things`, { method: 'POST', headers: bearer(await h.token({ role: 'operator' })) });
  const problem = await json(response);

  t.is(response.status, 400);
  t.regex(problem.detail, /^\/name: /);
});

test('when no route matches, then it answers a 404 problem', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/nowhere`);
  const problem = await json(response);

  t.is(response.status, 404);
  t.regex(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  t.is(problem.type, 'urn:cleave:problem:not-found');
  t.is(problem.instance, '/api/nowhere');
});

test('when an operation answers NOT_FOUND, then it answers a 404 problem with its message', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things/t404`, { headers: bearer(await h.token()) });

  t.is(response.status, 404);
  t.is((await json(response)).detail, 'thing t404 not found');
});

test('when the method is wrong, then it answers a 405 problem with Allow', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things/t1`, { method: 'PUT', headers: bearer(await h.token()) });
  const problem = await json(response);

  t.is(response.status, 405);
  t.is(problem.code, 'METHOD_NOT_ALLOWED');
  t.is(problem.type, 'urn:cleave:problem:method-not-allowed');
  t.regex(response.headers.get('allow') ?? '', /GET/);
});

test('when a route without parameters follows one with parameters that matches it, then the earlier one answers', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things/shadowed`, { headers: bearer(await h.token()) });
  const metrics = await (await fetch(`${h.url}/metrics`)).text();

  t.is(response.status, 404);
  t.is((await json(response)).detail, 'thing shadowed not found');
  t.regex(metrics, /cleave_http_request_seconds_count\{method="GET",route="\/api\/things\/:id",status="404"\} 1/);
});

test('when a route without parameters is asked with HEAD or a trailing slash, then it answers as with GET', async (t) => {
  const h = await host();

  const head = await fetch(`${h.url}/api/things/public/whoami`, { method: 'HEAD' });
  const slash = await fetch(`${h.url}/api/things/public/whoami/`);
  const metrics = await (await fetch(`${h.url}/metrics`)).text();

  t.is(head.status, 200);
  t.regex(head.headers.get('content-type') ?? '', /^application\/json/);
  t.is(await head.text(), '');
  t.is(slash.status, 200);
  t.is(typeof (await json(slash)).correlationid, 'string');
  t.regex(metrics, /cleave_http_request_seconds_count\{method="HEAD",route="\/api\/things\/public\/whoami",status="200"\} 1/);
  t.regex(metrics, /cleave_http_request_seconds_count\{method="GET",route="\/api\/things\/public\/whoami",status="200"\} 1/);
});

test('when query values are strings, then they are converted to the input schema types', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things?limit=5&active=true`, { headers: bearer(await h.token()) });
  const body = await json(response);

  t.is(response.status, 200);
  t.is(body.limit, 5);
  t.is(body.active, true);
});

test('when a query value cannot be converted, then the 400 problem names it', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things?limit=lots`, { headers: bearer(await h.token()) });

  t.is(response.status, 400);
  t.regex((await json(response)).detail, /^\/limit: /);
});

test('when the client sends a safe request id, then it is echoed and carried as correlation id', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things/public/whoami`, { headers: { 'x-request-id': 'req-42.a:b' } });

  t.is(response.headers.get('x-request-id'), 'req-42.a:b');
  t.is((await json(response)).correlationid, 'req-42.a:b');
});

test('when the client sends an unsafe request id, then a new one is made and echoed', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/nowhere`, { headers: { 'x-request-id': 'bad id with spaces' } });
  const problem = await json(response);

  t.regex(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  t.is(problem.requestId, response.headers.get('x-request-id'));
});

test('when a valid traceparent is sent, then it reaches the operation; an invalid one does not', async (t) => {
  const h = await host();
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  const valid = await json(await fetch(`${h.url}/api/things/public/whoami`, { headers: { traceparent } }));
  const invalid = await json(await fetch(`${h.url}/api/things/public/whoami`, { headers: { traceparent: '00-zz-01' } }));

  t.is(valid.traceparent, traceparent);
  t.is(invalid.traceparent, undefined);
});

test('when a public route gets a valid token, then the principal is passed along; without one it still answers', async (t) => {
  const h = await host();

  const withToken = await json(await fetch(`${h.url}/api/things/public/whoami`, { headers: bearer(await h.token({ sub: 'u7', role: 'admin' })) }));
  const without = await fetch(`${h.url}/api/things/public/whoami`);

  t.is(withToken.sub, 'u7');
  t.is(withToken.role, 'admin');
  t.is(without.status, 200);
  t.is((await json(without)).sub, undefined);
});

test('when a handler fails with an unknown error, then it answers a generic 500 problem', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things/ops/fail`, { headers: bearer(await h.token()) });
  const problem = await json(response);

  t.is(response.status, 500);
  t.is(problem.code, 'INTERNAL');
  t.false(JSON.stringify(problem).includes('disk on fire'));
});

test('when the HTTP layer meets an unknown error, then the 500 hides it and the log keeps its stack', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/api/things/ops/crash`, { headers: bearer(await h.token()) });
  const problem = await json(response);

  t.is(response.status, 500);
  t.is(problem.detail, 'internal error');
  t.false(JSON.stringify(problem).includes('hunter2'));
  const logged = h.logs.find((line) => line.requestId === problem.requestId && line.err);
  t.regex(logged?.err?.stack ?? '', /secret connection string/);
});

test('when a request is served, then one access log line records method, path, status, ms and request id', async (t) => {
  const h = await host();

  const ok = await fetch(`${h.url}/api/things/t1`, { headers: bearer(await h.token()) });
  const failed = await fetch(`${h.url}/api/things/ops/fail`, { headers: bearer(await h.token()) });

  const lineOf = (id: string | null) => h.logs.filter((line) => line.msg === 'http request' && line.requestId === id);
  const [okLine] = lineOf(ok.headers.get('x-request-id'));
  const [failedLine] = lineOf(failed.headers.get('x-request-id'));
  t.is(lineOf(ok.headers.get('x-request-id')).length, 1);
  t.like(okLine, { method: 'GET', path: '/api/things/t1', status: 200, level: 30 });
  t.is(typeof okLine.ms, 'number');
  t.like(failedLine, { status: 500, level: 50 });
});

test('when /healthz is asked, then it answers 200 ok without a token', async (t) => {
  const h = await host();

  const response = await fetch(`${h.url}/healthz`);

  t.is(response.status, 200);
  t.deepEqual(await json(response), { status: 'ok' });
});

test('when /metrics is scraped, then it has the HTTP latency labelled by route pattern', async (t) => {
  const h = await host();
  await fetch(`${h.url}/api/things/t1`, { headers: bearer(await h.token()) });

  const response = await fetch(`${h.url}/metrics`);
  const text = await response.text();

  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^text\/plain/);
  t.regex(text, /cleave_http_request_seconds_count\{method="GET",route="\/api\/things\/:id",status="200"\} 1/);
  t.false(text.includes('route="/api/things/t1"'));
});

test('when /openapi.json is asked, then it lists the served routes with schemas and security', async (t) => {
  const h = await host();

  const doc = await json(await fetch(`${h.url}/openapi.json`));

  t.is(doc.openapi, '3.1.0');
  const get = doc.paths['/api/things/{id}'].get;
  t.is(get.summary, 'Reads one thing');
  t.deepEqual(get.security, [{ bearer: [] }]);
  t.is(get.parameters[0].name, 'id');
  t.is(get.responses['200'].content['application/json'].schema.properties.name.type, 'string');
  const post = doc.paths['/api/things'].post;
  t.deepEqual(post.requestBody.content['application/json'].schema.required, ['name', 'email']);
  t.truthy(post.responses['201']);
  t.deepEqual(doc.paths['/api/things/public/whoami'].get.security, []);
  t.truthy(doc.paths['/api/things'].get.parameters.find((p: any) => p.name === 'limit' && p.in === 'query'));
});

test('when the port is in use, then listen rejects with one clear line', async (t) => {
  const h = await host();

  const error = await t.throwsAsync(listen(new Koa(), h.server.port, '127.0.0.1'));

  t.is(error?.message, `HTTP port ${h.server.port} is already in use; choose another with --http-port or CLEAVE_HTTP_PORT`);
});

test('when the server closes, then in-flight requests finish and idle keep-alive sockets close', async (t) => {
  const h = await startHost();
  await fetch(`${h.url}/healthz`);
  const token = await h.token();
  const pending = fetch(`${h.url}/api/things/ops/wait`, { headers: bearer(token) });
  while (h.gate.waiting === 0) await new Promise((resolve) => setImmediate(resolve));

  const closed = h.server.close(5000);
  const refused = await fetch(`${h.url}/healthz`).then(() => false, () => true);
  h.gate.release();
  const response = await pending;
  const started = Date.now();
  await closed;

  t.true(refused);
  t.is(response.status, 200);
  t.deepEqual(await json(response), { released: true });
  t.true(Date.now() - started < 1000);
});

test('when requests outlive the close timeout, then their sockets are destroyed', async (t) => {
  const h = await startHost();
  const pending = fetch(`${h.url}/api/things/ops/wait`, { headers: bearer(await h.token()) }).then(
    () => 'answered',
    () => 'cut',
  );
  while (h.gate.waiting === 0) await new Promise((resolve) => setImmediate(resolve));

  const started = Date.now();
  await h.server.close(100);

  t.true(Date.now() - started < 900);
  t.is(await pending, 'cut');
  h.gate.release();
});

test('when a token names a key the cached set lacks, then the verifier fetches the set again and accepts it', async (t) => {
  const old = await signingKey('old');
  const next = await signingKey('next');
  let keys = [old.jwk];
  let fetches = 0;
  const verify = createTokenVerifier(async () => {
    fetches++;
    return { keys };
  }, { ...claimsRequired, minRefetchMs: 0 });
  t.like(await verify(await sign(old, { sub: 'a', role: 'operator' })), { sub: 'a', role: 'operator' });
  keys = [old.jwk, next.jwk];

  t.like(await verify(await sign(next, { sub: 'b' })), { sub: 'b', role: 'viewer', email: 'ann@example.com' });
  t.is(fetches, 2);
});

test('when tokens name unknown keys, then concurrent misses share one fetch and fetches are an interval apart', async (t) => {
  const known = await signingKey('known');
  const strangers = await Promise.all(['x1', 'x2', 'x3'].map((kid) => signingKey(kid)));
  const fetchedAt: number[] = [];
  const verify = createTokenVerifier(async () => {
    fetchedAt.push(Date.now());
    return { keys: [known.jwk] };
  }, { ...claimsRequired, minRefetchMs: 300 });
  await verify(await sign(known));

  const tokens = await Promise.all(strangers.map((key) => sign(key)));

  const first = await Promise.allSettled(tokens.map(verify));
  const second = await Promise.allSettled([verify(tokens[0])]);

  for (const outcome of [...first, ...second]) {
    t.is(outcome.status, 'rejected');
    t.regex((outcome as PromiseRejectedResult).reason.message, /^invalid token: signed with an unknown key/);
  }
  t.is(fetchedAt.length, 3);
  t.true(fetchedAt[1] - fetchedAt[0] >= 290 && fetchedAt[2] - fetchedAt[1] >= 290, `fetched at ${fetchedAt}`);
});

test('when a token names a new key soon after the last fetch, then it waits for the next fetch rather than failing', async (t) => {
  const old = await signingKey('old');
  const next = await signingKey('next');
  let keys = [old.jwk];
  const verify = createTokenVerifier(async () => ({ keys }), { ...claimsRequired, minRefetchMs: 200 });
  await verify(await sign(old));
  keys = [old.jwk, next.jwk];

  t.like(await verify(await sign(next, { sub: 'b' })), { sub: 'b' });
});

test('when the key set cannot be fetched, then verification fails as unavailable, not as a bad token', async (t) => {
  const verify = createTokenVerifier(async () => {
    throw new Error('identity is down');
  }, claimsRequired);

  const error = await t.throwsAsync(verify(await sign(await signingKey('k'))));

  t.is((error as any)?.code, 'UNAVAILABLE');
});

test('when a remembered token expires, then the verifier refuses it although it verified it before', async (t) => {
  const key = await signingKey('k1');
  const verify = createTokenVerifier(async () => ({ keys: [key.jwk] }), claimsRequired);
  const expiresAt = Math.floor(Date.now() / 1000) + 2;
  const token = await sign(key, { expiresAt });
  t.like(await verify(token), { sub: 'user-1' });
  t.like(await verify(token), { sub: 'user-1' });

  await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));

  await t.throwsAsync(verify(token), { message: 'token expired' });
});

test('when the key set is fetched again without the key of a remembered token, then that token is refused', async (t) => {
  const old = await signingKey('old');
  const next = await signingKey('next');
  let keys = [old.jwk];
  const verify = createTokenVerifier(async () => ({ keys }), { ...claimsRequired, minRefetchMs: 0 });
  const token = await sign(old);
  t.like(await verify(token), { sub: 'user-1' });

  keys = [next.jwk];
  await verify(await sign(next, { sub: 'other' }));

  await t.throwsAsync(verify(token), { message: /^invalid token: signed with an unknown key/ });
});

test('when a caller changes the principal it got, then the remembered principal stays as verified', async (t) => {
  const key = await signingKey('k1');
  const verify = createTokenVerifier(async () => ({ keys: [key.jwk] }), claimsRequired);
  const token = await sign(key, { role: 'viewer' });
  const first = await verify(token);

  first.role = 'admin';

  t.is((await verify(token)).role, 'viewer');
});

test('when a refused token comes again, then it is refused alike until the key set is fetched again, and then checked anew', async (t) => {
  const signer = await signingKey('k');
  const impostor = await signingKey('k');
  let keys = [impostor.jwk];
  const verify = createTokenVerifier(async () => ({ keys }), { ...claimsRequired, minRefetchMs: 0 });
  const token = await sign(signer);

  await t.throwsAsync(verify(token), { message: 'invalid token' });
  await t.throwsAsync(verify(token), { message: 'invalid token' });
  keys = [signer.jwk];
  await t.throwsAsync(verify(await sign(await signingKey('stranger'))), { message: /unknown key/ });

  t.like(await verify(token), { sub: 'user-1' });
});

test('when a token not valid yet is refused, then the same token is accepted once its time comes', async (t) => {
  const key = await signingKey('k1');
  const verify = createTokenVerifier(async () => ({ keys: [key.jwk] }), claimsRequired);
  const notBefore = Math.floor(Date.now() / 1000) + 2;
  const token = await sign(key, { notBefore });

  await t.throwsAsync(verify(token), { message: /nbf/ });
  await t.throwsAsync(verify(token), { message: /nbf/ });
  await new Promise((resolve) => setTimeout(resolve, notBefore * 1000 - Date.now() + 50));

  t.like(await verify(token), { sub: 'user-1' });
});
