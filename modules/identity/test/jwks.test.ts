import test from 'ava';
import { createVerifier } from 'fast-jwt';
import { decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { startTestHost } from '../../../test/support/host.js';
import { identityHostForFile, identityModule } from './hosting.js';
import { identityApi } from './http.js';
import { currentKey, pemOf, publishedKeys, signLikeIdentity, type KeySet } from './key-set.js';

const shared = identityHostForFile();

/** fast-jwt, not jose: what a service outside Cleave would use to check a Cleave token. */
function outsideVerifier(set: KeySet, { issuer = 'cleave', audience = 'cleave' } = {}) {
  return createVerifier({
    algorithms: ['EdDSA'],
    allowedIss: issuer,
    allowedAud: audience,
    requiredClaims: ['sub', 'iat', 'exp'],
    key: async ({ header }: { header: { kid?: string } }) => {
      const jwk = set.keys.find((key) => key.kid === header.kid);
      if (!jwk) throw new Error(`no key ${header.kid}`);
      return pemOf(jwk);
    },
  });
}

test('when the key set is fetched without a token, then it holds public Ed25519 keys and may be cached', async (t) => {
  const { status, headers, body } = await publishedKeys(shared.host.url);

  t.is(status, 200);
  t.regex(headers.get('content-type') ?? '', /json/);
  t.regex(headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
  t.true(body.keys.length >= 1);
  for (const key of body.keys) {
    t.like(key, { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    t.is(typeof key.kid, 'string');
    t.false('d' in key, 'no private part');
  }
});

test('when a token is checked by another JWT library against the published key set, then it verifies with iss and aud', async (t) => {
  const token = await shared.host.login();
  const { body } = await publishedKeys(shared.host.url);

  const claims = await outsideVerifier(body)(token);

  t.like(claims, { iss: 'cleave', aud: 'cleave', role: 'admin', sub: decodeJwt(token).sub });
  t.is(claims.exp - claims.iat, 3600);
  t.true(body.keys.some((key) => key.kid === decodeProtectedHeader(token).kid));
  await t.throwsAsync(outsideVerifier(body, { issuer: 'someone-else' })(token));
});

test('when a token carries the wrong issuer or audience, then 401', async (t) => {
  const key = await currentKey(shared.host);

  const control = await shared.api.get('/users', await signLikeIdentity(key));
  const wrongIssuer = await shared.api.get('/users', await signLikeIdentity(key, { iss: 'someone-else' }));
  const wrongAudience = await shared.api.get('/users', await signLikeIdentity(key, { aud: 'elsewhere' }));

  t.is(control.status, 200);
  t.is(wrongIssuer.status, 401);
  t.regex(wrongIssuer.body.detail, /iss/);
  t.is(wrongAudience.status, 401);
  t.regex(wrongAudience.body.detail, /aud/);
});

test('when a token is signed by a key the set does not hold, then 401', async (t) => {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });

  const res = await shared.api.get('/me', await signLikeIdentity({ kid: 'identity-unknown', key: privateKey }));

  t.is(res.status, 401);
  t.regex(res.body.detail, /unknown key/);
});

test('when the issuer and audience are configured, then tokens carry them and every host requires them', async (t) => {
  const custom = await startTestHost({
    modules: [identityModule],
    config: { 'identity.issuer': 'https://id.example.test', 'identity.audience': 'fleet' },
  });
  t.teardown(() => custom.stop());
  const customApi = identityApi(custom.url);

  const token = await custom.login();
  const withDefaults = await signLikeIdentity(await currentKey(custom));

  t.like(decodeJwt(token), { iss: 'https://id.example.test', aud: 'fleet' });
  t.is((await customApi.get('/me', token)).status, 200);
  t.is((await customApi.get('/me', withDefaults)).status, 401);
  const { body } = await publishedKeys(custom.url);
  t.like(await outsideVerifier(body, { issuer: 'https://id.example.test', audience: 'fleet' })(token), { aud: 'fleet' });
});

test('when a host does not serve identity\'s routes, then it publishes no key set', async (t) => {
  const other = await startTestHost({ modules: [identityModule], config: { modules: 'none' } });
  t.teardown(() => other.stop());

  t.is((await publishedKeys(other.url)).status, 404);
});
