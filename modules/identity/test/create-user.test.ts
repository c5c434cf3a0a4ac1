import test from 'ava';
import { adminPassword, startTestHost, type TestHost } from '../../../test/support/host.js';
import { identityModule } from './hosting.js';
import { identityApi, isoInstant } from './http.js';

let host: TestHost;
let api: ReturnType<typeof identityApi>;
let adminToken: string;

test.before(async () => {
  host = await startTestHost({ modules: [identityModule] });
  api = identityApi(host.url);
  adminToken = await host.login();
});

test.after.always(async () => {
  await host?.stop();
});

const newUser = (email: string, role = 'viewer', password = 'a-good-password') => ({ email, password, role });

async function tokenOf(email: string, role: string): Promise<string> {
  await api.post('/users', newUser(email, role), adminToken);
  return host.login(email, 'a-good-password');
}

test('when the admin creates an operator and a viewer, then 201 and each can log in with their role', async (t) => {
  for (const role of ['operator', 'viewer']) {
    const email = `${role}-1@example.test`;

    const created = await api.post('/users', newUser(email, role), adminToken);

    t.is(created.status, 201);
    t.like(created.body, { email, role });
    t.regex(created.body.createdAt, isoInstant);
    const me = await api.get('/me', await host.login(email, 'a-good-password'));
    t.like(me.body, { id: created.body.id, email, role });
  }
});

test('when an email is given in capitals, then it is stored lower-cased', async (t) => {
  const created = await api.post('/users', newUser('Mixed.Case@Example.TEST'), adminToken);

  t.is(created.status, 201);
  t.is(created.body.email, 'mixed.case@example.test');
});

test('when the email is already used, in any case, then 409', async (t) => {
  await api.post('/users', newUser('twice@example.test'), adminToken);

  const again = await api.post('/users', newUser('TWICE@example.test', 'admin'), adminToken);

  t.is(again.status, 409);
  t.is(again.body.code, 'CONFLICT');
});

test('when a viewer or an operator creates or lists users, then 403', async (t) => {
  const viewer = await tokenOf('viewer-2@example.test', 'viewer');
  const operator = await tokenOf('operator-2@example.test', 'operator');

  for (const token of [viewer, operator]) {
    t.is((await api.post('/users', newUser('sneaky@example.test', 'admin'), token)).status, 403);
    t.is((await api.get('/users', token)).status, 403);
  }
  t.is((await api.post('/login', { email: 'sneaky@example.test', password: 'a-good-password' })).status, 401);
});

test('when nobody is logged in, then creating a user is 401', async (t) => {
  const res = await api.post('/users', newUser('anonymous@example.test'));

  t.is(res.status, 401);
});

test('when the body lacks a field or has a bad email, then 400 problem naming the field', async (t) => {
  const cases = [
    [{ email: 'x@example.test', role: 'viewer' }, '/password'],
    [{ email: 'not-an-email', password: 'a-good-password', role: 'viewer' }, '/email'],
    [{ email: 'short@example.test', password: 'short', role: 'viewer' }, '/password'],
    [{ email: 'root@example.test', password: 'a-good-password', role: 'root' }, '/role'],
  ] as const;
  for (const [body, field] of cases) {
    const res = await api.post('/users', body, adminToken);

    t.is(res.status, 400, field);
    t.regex(res.type, /application\/problem\+json/);
    t.true(res.body.errors.some((e: { path: string }) => e.path === field), `${field} in ${res.text}`);
  }
});

test('when the body has an unknown field, then 400 naming it and no user is created', async (t) => {
  const res = await api.post('/users', { ...newUser('extra@example.test'), isSuperuser: true }, adminToken);

  t.is(res.status, 400);
  t.regex(res.text, /isSuperuser/);
  const list = await api.get('/users', adminToken);
  t.false(list.body.users.some((u: { email: string }) => u.email === 'extra@example.test'));
});

test('when the admin lists users or reads one, then they come back; an unknown id is 404', async (t) => {
  const created = await api.post('/users', newUser('listed@example.test', 'operator'), adminToken);

  const list = await api.get('/users', adminToken);
  const one = await api.get(`/users/${created.body.id}`, adminToken);
  const missing = await api.get('/users/no-such-user', adminToken);

  t.true(list.body.users.some((u: { id: string }) => u.id === created.body.id));
  t.deepEqual(one.body, created.body);
  t.is(missing.status, 404);
});

test('when users are created, listed and logged in, then no response carries a password or its hash', async (t) => {
  const secret = 'never-echo-this-1';
  const created = await api.post('/users', newUser('private@example.test', 'viewer', secret), adminToken);
  await api.post('/users', newUser('private@example.test', 'viewer', secret), adminToken);
  const token = await host.login('private@example.test', secret);
  await api.get('/me', token);
  await api.get('/users', adminToken);
  await api.get(`/users/${created.body.id}`, adminToken);
  await api.post('/login', { email: 'private@example.test', password: `${secret}-wrong` });

  for (const text of api.seen) {
    t.false(text.includes(secret), text);
    t.false(text.includes(adminPassword), text);
    t.false(/password_?hash|scrypt\$/i.test(text), text);
  }
});
