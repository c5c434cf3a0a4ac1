import test from 'ava';
import { decodeProtectedHeader } from 'jose';
import { eventually, startTestHost } from '../../../test/support/host.js';
import { identityHostForFile, identityModule } from './hosting.js';
import { identityApi, isoInstant } from './http.js';
import { kids, publishedKeys } from './key-set.js';

const shared = identityHostForFile();

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

test.serial('when an admin rotates the key, then old tokens still work, new tokens carry the new kid, and both are published', async (t) => {
  const before = await shared.host.login();

  const rotated = await shared.api.post('/keys/rotate', {}, before);
  const after = await shared.host.login();

  t.is(rotated.status, 200);
  t.not(rotated.body.kid, kidOf(before));
  t.is(kidOf(after), rotated.body.kid);
  t.is(rotated.body.retiring.length, 1);
  t.is(rotated.body.retiring[0].kid, kidOf(before));
  t.regex(rotated.body.retiring[0].retiresAt, isoInstant);
  const lifetime = Date.parse(rotated.body.retiring[0].retiresAt) - Date.now();
  t.true(lifetime > 3590_000 && lifetime <= 3600_000, `retires in ${lifetime} ms`);
  t.is((await shared.api.get('/me', before)).status, 200);
  t.is((await shared.api.get('/me', after)).status, 200);
  t.deepEqual(kids((await publishedKeys(shared.host.url)).body), [kidOf(before), kidOf(after)].sort());
});

test.serial('when rotations race, then every replica signs with the same key and every token verifies', async (t) => {
  const admin = await shared.host.login();

  const rotations = await Promise.all([1, 2, 3].map(() => shared.api.post('/keys/rotate', {}, admin)));
  const tokens = await Promise.all([1, 2, 3].map(() => shared.host.login()));

  t.true(rotations.every((r) => r.status === 200));
  t.is(new Set(tokens.map(kidOf)).size, 1);
  const published = kids((await publishedKeys(shared.host.url)).body);
  for (const r of rotations) t.true(published.includes(r.body.kid));
  for (const token of [admin, ...tokens]) t.is((await shared.api.get('/me', token)).status, 200);
});

test('when a viewer or an operator asks to rotate, then 403 and the key stays', async (t) => {
  const admin = await shared.host.login();
  for (const role of ['viewer', 'operator']) {
    const email = `${role}-rotates@example.test`;
    await shared.api.post('/users', { email, password: 'a-good-password', role }, admin);
    const token = await shared.host.login(email, 'a-good-password');

    const res = await shared.api.post('/keys/rotate', {}, token);

    t.is(res.status, 403, role);
    t.is(res.body.code, 'PERMISSION_DENIED');
    t.is(kidOf(await shared.host.login()), kidOf(token));
  }
});

test('when rotation is asked over the bus without the admin role, then it is refused', async (t) => {
  const asOperator = { principal: { sub: 'someone', role: 'operator' as const } };

  const error = await t.throwsAsync(shared.host.host.bus.call('identity', 'rotateSigningKey', {}, asOperator));

  t.is((error as { code?: string }).code, 'PERMISSION_DENIED');
});

test('when the token lifetime has passed since a rotation, then the retired key leaves the key set', async (t) => {
  const shortLived = await startTestHost({ modules: [identityModule], config: { 'identity.tokenTtl': 2 } });
  t.teardown(() => shortLived.stop());
  const before = await shortLived.login();

  const rotated = await identityApi(shortLived.url).post('/keys/rotate', {}, before);

  t.deepEqual(kids((await publishedKeys(shortLived.url)).body), [kidOf(before), rotated.body.kid].sort());
  const left = await eventually(async () => {
    const published = kids((await publishedKeys(shortLived.url)).body);
    return published.includes(kidOf(before)!) ? undefined : published;
  }, 10_000, 'the retired key to leave the key set');
  t.deepEqual(left, [rotated.body.kid]);
  t.true(Date.now() >= Date.parse(rotated.body.retiring[0].retiresAt));
});
