import test from 'ava';
import { adminPassword, startTestHost, type TestHost } from '../../../test/support/host.js';
import { identityModule } from './hosting.js';
import { identityApi } from './http.js';

async function withIdentity(config: Record<string, unknown>, run: (host: TestHost, api: ReturnType<typeof identityApi>) => Promise<void>) {
  const host = await startTestHost({ modules: [identityModule], config });
  try {
    await run(host, identityApi(host.url));
  } finally {
    await host.stop();
  }
}

async function login(host: TestHost, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${host.url}/api/identity/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type'), body: (await res.json()) as { code?: string } };
}

const user = { email: 'guessed@example.test', password: 'the-right-password', role: 'viewer' };

test.serial('when one account gets a 6th wrong password within a minute, then 429 with Retry-After, even for the right password', async (t) => {
  await withIdentity({}, async (host, api) => {
    await api.post('/users', user, await host.login());

    for (let i = 0; i < 5; i++) t.is((await login(host, { email: user.email, password: `guess-${i}` })).status, 401);
    const sixth = await login(host, { email: user.email, password: 'guess-5' });
    const right = await login(host, { email: user.email, password: user.password });

    t.is(sixth.status, 429);
    t.regex(sixth.type ?? '', /application\/problem\+json/);
    t.is(sixth.body.code, 'RESOURCE_EXHAUSTED');
    t.true(Number(sixth.retryAfter) >= 1 && Number(sixth.retryAfter) <= 60, `Retry-After: ${sixth.retryAfter}`);
    t.is(right.status, 429);
    t.is((await login(host, { email: 'admin@example.test', password: adminPassword })).status, 200, 'other accounts still log in');
  });
});

test.serial('when one address fails logins for many accounts, then past identity.loginLimits.perAddress it gets 429', async (t) => {
  await withIdentity({ 'identity.loginLimits.perAddress': 3 }, async (host) => {
    for (let i = 0; i < 3; i++) t.is((await login(host, { email: `nobody-${i}@example.test`, password: 'x' })).status, 401);

    const next = await login(host, { email: 'nobody-3@example.test', password: 'x' });
    const claimed = await login(host, { email: 'nobody-4@example.test', password: 'x', address: '203.0.113.9' }, { 'x-forwarded-for': '203.0.113.7' });

    t.is(next.status, 429);
    t.truthy(next.retryAfter);
    t.is(claimed.status, 429, 'neither a body field nor X-Forwarded-For from an untrusted peer changes the address');
  });
});

test.serial('when a trusted proxy forwards clients, then each client address has its own budget', async (t) => {
  await withIdentity({ 'identity.loginLimits.perAddress': 2, 'http.trustProxy': '127.0.0.0/8' }, async (host) => {
    const from = (address: string) => ({ 'x-forwarded-for': `198.51.100.1, ${address}` });
    for (let i = 0; i < 2; i++) t.is((await login(host, { email: `a-${i}@example.test`, password: 'x' }, from('203.0.113.1'))).status, 401);

    t.is((await login(host, { email: 'a-2@example.test', password: 'x' }, from('203.0.113.1'))).status, 429);
    t.is((await login(host, { email: 'b-0@example.test', password: 'x' }, from('203.0.113.2'))).status, 401);
  });
});

test.serial('when more logins arrive at once than the hash queue holds, then the excess gets 503 at once and the queue recovers', async (t) => {
  const config = { 'hashing.concurrency': 1, 'hashing.maxWaiting': 1, 'identity.loginLimits.perAddress': 1000 };
  await withIdentity(config, async (host) => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => login(host, { email: `burst-${i}@example.test`, password: 'x' })));

    const statuses = results.map((r) => r.status);
    t.true(statuses.includes(503), statuses.join());
    t.true(statuses.every((s) => s === 401 || s === 503), statuses.join());
    const unavailable = results.find((r) => r.status === 503)!;
    t.is(unavailable.body.code, 'UNAVAILABLE');
    t.regex(unavailable.type ?? '', /application\/problem\+json/);
    t.is((await login(host, { email: 'admin@example.test', password: adminPassword })).status, 200);
  });
});
