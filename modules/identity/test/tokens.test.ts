import test from 'ava';
import { SignJWT, generateKeyPair, importJWK, type JWTPayload } from 'jose';
import { startTestHost, type TestHost } from '../../../test/support/host.js';
import { identityModule } from './hosting.js';
import { identityApi } from './http.js';

let host: TestHost;
let api: ReturnType<typeof identityApi>;
let claims: JWTPayload;

test.before(async () => {
  host = await startTestHost({ modules: [identityModule] });
  api = identityApi(host.url);
  const me = await api.get('/me', await host.login());
  claims = { sub: me.body.id, role: 'admin', email: me.body.email };
});

test.after.always(async () => {
  await host?.stop();
});

const now = () => Math.floor(Date.now() / 1000);

/** Signs like identity does, with a key of our choosing, so each test can change one thing. */
async function sign(key: Parameters<SignJWT['sign']>[0], { exp = now() + 600, kid = 'identity-1', payload = claims } = {}) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setIssuer('cleave')
    .setAudience('cleave')
    .setIssuedAt(exp - 600)
    .setExpirationTime(exp)
    .sign(key);
}

/** The real signing key, read from identity's own store: the only way to mint a token that differs only in `exp`. */
async function identityKey() {
  const row = await host.host.database('identity')!('signing_keys').first();
  return importJWK(JSON.parse(row.private_jwk), 'EdDSA');
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('when a token is signed with identity\'s key, then /me accepts it (the control for the tests below)', async (t) => {
  const res = await api.get('/me', await sign(await identityKey()));

  t.is(res.status, 200);
});

test('when a token has expired, then 401', async (t) => {
  const res = await api.get('/me', await sign(await identityKey(), { exp: now() - 60 }));

  t.is(res.status, 401);
  t.regex(res.type, /application\/problem\+json/);
});

test('when a token is signed by another key under the same kid, then 401', async (t) => {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });

  t.is((await api.get('/me', await sign(privateKey))).status, 401);
  t.is((await api.get('/me', await sign(privateKey, { kid: 'someone-else' }))).status, 401);
});

test('when a token says alg none and has no signature, then 401', async (t) => {
  const payload = { ...claims, iss: 'cleave', aud: 'cleave', iat: now(), exp: now() + 600 };
  const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;

  t.is((await api.get('/me', unsigned)).status, 401);
});

test('when a viewer\'s token is edited to say admin, then 401', async (t) => {
  const [header, , signature] = (await sign(await identityKey(), { payload: { ...claims, role: 'viewer' } })).split('.');
  const payload = base64url({ ...claims, iss: 'cleave', aud: 'cleave', iat: now(), exp: now() + 600 });

  t.is((await api.get('/users', `${header}.${payload}.${signature}`)).status, 401);
});

test('when the key set is asked for, then it holds only public Ed25519 keys', async (t) => {
  const { keys } = (await host.host.bus.call('identity', 'getJwks', {}, { principal: { sub: 'test', role: 'system' } })) as { keys: Array<Record<string, unknown>> };

  t.is(keys.length, 1);
  t.deepEqual(Object.keys(keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
  t.like(keys[0], { kid: 'identity-1', kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
});

test('when many logins race on a fresh store, then one signing key is made and every token verifies', async (t) => {
  const fresh = await startTestHost({ modules: [identityModule] });
  t.teardown(() => fresh.stop());

  const tokens = await Promise.all(Array.from({ length: 5 }, () => fresh.login()));

  const keys = await fresh.host.database('identity')!('signing_keys').select('kid');
  t.deepEqual(keys, [{ kid: 'identity-1' }]);
  const freshApi = identityApi(fresh.url);
  for (const token of tokens) t.is((await freshApi.get('/me', token)).status, 200);
});
