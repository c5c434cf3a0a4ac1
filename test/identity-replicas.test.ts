import test, { type ExecutionContext } from 'ava';
import { decodeProtectedHeader } from 'jose';
import { kids, publishedKeys } from '../modules/identity/test/key-set.js';
import { startTestHost, type TestHost } from './support/host.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

const kidOf = (token: string) => decodeProtectedHeader(token).kid as string;
const me = (host: TestHost, token: string) =>
  fetch(`${host.url}/api/identity/me`, { headers: { authorization: `Bearer ${token}` } }).then((res) => res.status);
const rotate = (host: TestHost, token: string) =>
  fetch(`${host.url}/api/identity/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then(
    async (res) => ({ status: res.status, body: (await res.json()) as { kid: string } }),
  );

/** Two hosts of identity on one store: replicas, each with its own bus, as behind a load balancer. */
async function replicas(t: ExecutionContext, store: 'sqlite' | 'postgres'): Promise<[TestHost, TestHost]> {
  const db = store === 'postgres' ? await createDatabase() : undefined;
  if (db) t.teardown(() => db.drop());
  const config = { modules: 'identity', 'db.url': db?.url ?? '' };
  const a = await startTestHost({ config });
  t.teardown(() => a.stop());
  const b = await startTestHost({ config, dataDir: a.dataDir });
  t.teardown(() => b.stop());
  return [a, b];
}

const stores = (await postgresAvailable()) ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

for (const store of stores) {
  test(`when two identity replicas share a store (${store}), then racing first logins and racing rotations leave them signing with one key that both accept`, async (t) => {
    const [a, b] = await replicas(t, store);

    const first = await Promise.all([a, b].map((host) => host.login()));

    t.deepEqual([...new Set(first.map(kidOf))], ['identity-1']);

    const rotations = await Promise.all([rotate(a, first[0]), rotate(b, first[1])]);
    const after = await Promise.all([a, b].map((host) => host.login()));

    t.deepEqual(rotations.map((r) => r.status), [200, 200]);
    const signing = [...new Set(after.map(kidOf))];
    t.is(signing.length, 1, `signing with ${signing}`);
    t.true(rotations.some((r) => r.body.kid === signing[0]));
    for (const host of [a, b]) {
      t.deepEqual(kids((await publishedKeys(host.url)).body), ['identity-1', ...rotations.map((r) => r.body.kid)].sort());
      for (const token of [...first, ...after]) t.is(await me(host, token), 200);
    }
  });
}
