import test from 'ava';
import { decodeProtectedHeader } from 'jose';
import { kids, publishedKeys } from '../modules/identity/test/key-set.js';
import { mosquittoForFile } from './support/broker-per-file.js';
import { eventually, startTestHost, type TestHost } from './support/host.js';

const broker = mosquittoForFile('token keys across hosts');
if (broker.available) {
  const bus = () => ({ 'bus.transport': 'mqtt', 'bus.mqtt.url': broker.url, 'bus.namespace': 'token-keys' });
  const kidOf = (token: string) => decodeProtectedHeader(token).kid;
  const me = (host: TestHost, token: string) =>
    fetch(`${host.url}/api/identity/me`, { headers: { authorization: `Bearer ${token}` } }).then((res) => res.status);

  test('when identity rotates its key, then a gateway on another host publishes both keys and accepts the new tokens without a restart', async (t) => {
    const identity = await startTestHost({ config: { ...bus(), modules: 'identity' } });
    t.teardown(() => identity.stop());
    const gateway = await startTestHost({ config: { ...bus(), modules: 'none', 'http.gateway': true } });
    t.teardown(() => gateway.stop());
    const before = await eventually(() => gateway.login().catch(() => undefined), 10_000, 'the gateway to reach identity');
    t.is(await me(gateway, before), 200);
    const first = await publishedKeys(gateway.url);
    t.is(first.status, 200);
    t.regex(first.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
    t.deepEqual(kids(first.body), [kidOf(before)]);

    const rotated = await fetch(`${gateway.url}/api/identity/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${before}` },
    }).then((res) => res.json() as Promise<{ kid: string }>);
    const after = await gateway.login();

    t.is(kidOf(after), rotated.kid);
    t.is(await me(gateway, after), 200);
    t.is(await me(gateway, before), 200);
    t.is(await me(identity, after), 200);
    t.deepEqual(kids((await publishedKeys(gateway.url)).body), [kidOf(before), rotated.kid].sort());
  });
}
