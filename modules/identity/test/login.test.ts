import test from 'ava';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { adminEmail, adminPassword } from '../../../test/support/host.js';
import { identityHostForFile } from './hosting.js';
import { isoInstant } from './http.js';

const shared = identityHostForFile();

test('when the admin logs in, then an EdDSA token for an hour comes back', async (t) => {
  const res = await shared.api.post('/login', { email: adminEmail, password: adminPassword });

  t.is(res.status, 200);
  t.regex(res.body.expiresAt, isoInstant);
  const lifetime = Date.parse(res.body.expiresAt) - Date.now();
  t.true(lifetime > 3590_000 && lifetime <= 3600_000);
  t.like(decodeProtectedHeader(res.body.token), { alg: 'EdDSA', kid: 'identity-1' });
  t.like(decodeJwt(res.body.token), { role: 'admin', email: adminEmail, iss: 'cleave', aud: 'cleave' });
});

test('when the email differs only in case, then the login still succeeds', async (t) => {
  const res = await shared.api.post('/login', { email: adminEmail.toUpperCase(), password: adminPassword });

  t.is(res.status, 200);
});

test('when the password is wrong, then 401 with the same message as for an unknown email', async (t) => {
  const wrongPassword = await shared.api.post('/login', { email: adminEmail, password: 'not-the-password' });
  const unknownEmail = await shared.api.post('/login', { email: 'nobody@example.test', password: adminPassword });

  t.is(wrongPassword.status, 401);
  t.is(unknownEmail.status, 401);
  t.regex(wrongPassword.type, /application\/problem\+json/);
  t.is(wrongPassword.body.detail, 'invalid email or password');
  t.is(unknownEmail.body.detail, wrongPassword.body.detail);
});

test('when a logged-in user asks for /me, then their own user comes back', async (t) => {
  const token = await shared.host.login();

  const res = await shared.api.get('/me', token);

  t.is(res.status, 200);
  t.deepEqual(Object.keys(res.body).sort(), ['createdAt', 'email', 'id', 'role']);
  t.like(res.body, { email: adminEmail, role: 'admin', id: decodeJwt(token).sub });
  t.regex(res.body.createdAt, isoInstant);
});

test('when /me is asked without a token, then 401', async (t) => {
  const res = await shared.api.get('/me');

  t.is(res.status, 401);
});

test('when the login body lacks the password, then 400 naming the field', async (t) => {
  const res = await shared.api.post('/login', { email: adminEmail });

  t.is(res.status, 400);
  t.regex(res.type, /application\/problem\+json/);
  t.regex(res.text, /\/password/);
});
