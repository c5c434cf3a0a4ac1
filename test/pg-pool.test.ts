import test from 'ava';
import pg from 'pg';
import { startTestHost } from './support/host.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

/** Connections the server holds to `database` now, the caller's own left out. */
async function connectionsTo(client: pg.Client, database: string): Promise<number> {
  const { rows } = await client.query('select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
  return rows[0].n as number;
}

test('when db.poolMax is 1, then a host serving many requests at once holds one PostgreSQL connection per module', async (t) => {
  if (!(await postgresAvailable())) return t.pass('PostgreSQL is not available');
  const database = await createDatabase();
  t.teardown(() => database.drop());
  const host = await startTestHost({ config: { modules: 'identity,devices', 'db.url': database.url, 'db.poolMax': 1 } });
  t.teardown(() => host.stop());
  const name = new URL(database.url).pathname.slice(1);
  const watcher = new pg.Client({ connectionString: database.url });
  await watcher.connect();
  t.teardown(() => watcher.end());
  const headers = { authorization: `Bearer ${await host.login()}` };

  let most = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) most = Math.max(most, await connectionsTo(watcher, name));
  })();
  const statuses = await Promise.all(Array.from({ length: 60 }, () => fetch(`${host.url}/api/devices`, { headers }).then((res) => res.status)));
  sampling = false;
  await sampler;

  t.deepEqual([...new Set(statuses)], [200]);
  t.true(most >= 1, 'the sampler saw the host connected');
  t.true(most <= 2, `at most one connection per hosted module, saw ${most}`);
});
