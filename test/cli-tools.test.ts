import path from 'node:path';
import Database from 'better-sqlite3';
import test, { type ExecutionContext } from 'ava';
import { assertOneErrorLine, cleave, fixture, sandbox } from './fixtures/cli-run.js';

test('when migrations are pending, then status lists them and up applies them all', async (t) => {
  const box = sandbox(t);

  const before = await cleave(box, 'migrate');
  const up = await cleave(box, 'migrate', 'up');
  const again = await cleave(box, 'migrate', 'up');
  const after = await cleave(box, 'migrate', 'status', '--json');

  t.is(before.code, 0);
  t.regex(before.stdout, /^MODULE\s+APPLIED\s+PENDING\s+DATABASE$/m);
  t.regex(before.stdout, /^identity\s+0\s+.*0001_users/m);
  t.regex(up.stdout, /^identity: applied .*0001_users/m);
  t.regex(again.stdout, /^identity: up to date in .*identity\.sqlite$/m);
  const [identity] = JSON.parse(after.stdout) as Array<{ module: string; applied: string[]; pending: string[] }>;
  t.is(identity.module, 'identity');
  t.true(identity.applied.includes('0001_users'));
  t.deepEqual(identity.pending, []);
});

test('when two processes migrate the same stores at once, then both succeed and each migration is applied once', async (t) => {
  const box = sandbox(t);

  const [a, b] = await Promise.all([cleave(box, 'migrate', 'up', '--json'), cleave(box, 'migrate', 'up', '--json')]);
  const status = await cleave(box, 'migrate', 'status', '--json');

  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  type Applied = Array<{ module: string; applied: string[] }>;
  const applied = [...(JSON.parse(a.stdout) as Applied), ...(JSON.parse(b.stdout) as Applied)].filter((r) => r.module === 'identity').flatMap((r) => r.applied);
  t.deepEqual(applied.sort(), ['0001_outbox_inbox_dead_letters', '0001_users', '0002_expiring_ids', '0002_signing_keys', '0003_signing_key_retirement']);
  const identity = (JSON.parse(status.stdout) as Array<{ module: string; applied: string[]; pending: string[] }>).find((r) => r.module === 'identity')!;
  t.deepEqual(identity.pending, []);
  t.is(identity.applied.filter((name) => name === 'kernel:0001_outbox_inbox_dead_letters').length, 1);
});

test('when the last batch is rolled back, then its migrations are pending again', async (t) => {
  const box = sandbox(t);
  await cleave(box, 'migrate', 'up');

  const down = await cleave(box, 'migrate', 'down');
  const status = await cleave(box, 'migrate', 'status');

  t.is(down.code, 0);
  t.regex(down.stdout, /^identity: rolled back .*0001_users/m);
  t.regex(status.stdout, /^identity\s+2\s+0001_users, 0002_signing_keys, 0003_signing_key_retirement\s+\S+identity\.sqlite$/m);
});

test('when a module has a database of its own, then migrate applies its migrations there and says where each module is', async (t) => {
  const box = sandbox(t);
  const own = path.join(box.cwd, 'devices-db', 'devices.sqlite');
  box.env.CLEAVE_DEVICES_DB_URL = `sqlite:${own}`;

  const up = await cleave(box, 'migrate', 'up');
  const status = JSON.parse((await cleave(box, 'migrate', 'status', '--json')).stdout) as Array<{ module: string; database: string; pending: string[] }>;

  t.is(up.code, 0, up.stderr);
  t.regex(up.stdout, new RegExp(`^devices: applied .* in ${own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  t.regex(up.stdout, /^identity: applied .* in \S+data\/identity\.sqlite$/m);
  t.deepEqual(status.map((s) => [s.module, s.database, s.pending]), [
    ['identity', path.join(box.cwd, 'data', 'identity.sqlite'), []],
    ['devices', own, []],
    ['telemetry', path.join(box.cwd, 'data', 'telemetry.sqlite'), []],
    ['alerts', path.join(box.cwd, 'data', 'alerts.sqlite'), []],
    ['commands', path.join(box.cwd, 'data', 'commands.sqlite'), []],
  ]);
  const file = new Database(own, { readonly: true });
  t.teardown(() => file.close());
  t.is(file.prepare("select name from sqlite_master where name = 'devices'").all().length, 1);
});

test('when the modules are listed, then identity shows its commands, queries and events', async (t) => {
  const text = await cleave(sandbox(t), 'modules');
  const json = await cleave(sandbox(t), 'modules', '--json');

  t.is(text.code, 0);
  t.regex(text.stdout, /^identity$/m);
  t.regex(text.stdout, /commands\s+createUser, login/);
  t.regex(text.stdout, /queries\s+getUser, listUsers, getJwks/);
  t.regex(text.stdout, /events\s+userCreated/);
  const summaries = JSON.parse(json.stdout) as Array<{ name: string; queries: string[] }>;
  const identity = summaries.find((m) => m.name === 'identity');
  t.deepEqual(identity?.queries, ['getUser', 'listUsers', 'getJwks']);
});

test('when the configuration holds secrets, then config prints it redacted', async (t) => {
  const box = sandbox(t, { CLEAVE_DB_URL: 'postgres://u:secret@h/db', CLEAVE_IDENTITY_ADMIN_PASSWORD: 'hunter2-hunter2' });

  const result = await cleave(box, 'config');

  t.is(result.code, 0);
  t.false(result.stdout.includes('secret'));
  t.false(result.stdout.includes('hunter2'));
  const config = JSON.parse(result.stdout) as { db: { url: string }; identity: { adminPassword: string } };
  t.is(config.db.url, 'postgres://u:[redacted]@h/db');
  t.is(config.identity.adminPassword, '[redacted]');
});

test('when a config file and flags are given, then config shows what start would use', async (t) => {
  const result = await cleave(sandbox(t), 'config', '--config', fixture('cli-config.json'), '--http-port', '8081');

  t.is(result.code, 0);
  const config = JSON.parse(result.stdout) as { http: { port: number }; bus: { namespace: string } };
  t.is(config.http.port, 8081);
  t.is(config.bus.namespace, 'from-file');
});

test('when the config file is missing, then config exits 2 naming it', async (t) => {
  const result = await cleave(sandbox(t), 'config', '--config', 'missing.json');

  t.is(result.code, 2);
  assertOneErrorLine(t, result.stderr, 'missing.json');
});

test('when --keys is given, then config lists every key with its env variable', async (t) => {
  const result = await cleave(sandbox(t), 'config', '--keys');

  t.is(result.code, 0);
  t.regex(result.stdout, /^KEY\s+ENV\s+DEFAULT\s+DOC$/m);
  t.regex(result.stdout, /^http\.port\s+CLEAVE_HTTP_PORT\s+3000\s+HTTP port/m);
  t.regex(result.stdout, /^identity\.tokenTtl\s+CLEAVE_IDENTITY_TOKEN_TTL\s+3600\s+Lifetime/m);
  t.regex(result.stdout, /^devices\.db\.url\s+CLEAVE_DEVICES_DB_URL\s+""\s+Database of module devices/m);
});

test('when the data dir is fresh, then dlq list says there are no dead letters', async (t) => {
  const box = sandbox(t);

  const text = await cleave(box, 'dlq', 'list');
  const json = await cleave(box, 'dlq', 'list', '--json');

  t.is(text.code, 0);
  t.regex(text.stdout, /no dead letters/);
  t.deepEqual(JSON.parse(json.stdout), []);
});

function plantDeadLetter(t: ExecutionContext, file: string, type: string): Database.Database {
  const db = new Database(file);
  t.teardown(() => db.close());
  const envelope = JSON.stringify({ id: 'ev-1', type, data: { id: 'u1' } });
  db.prepare(`insert into cleave_inbox (id, type, envelope, status, attempts, next_at, received_at)
    values ('ev-1', ?, ?, 'dead', 5, 0, 0)`).run(type, envelope);
  db.prepare(`insert into cleave_dead_letters (id, type, envelope, attempts, error, failed_at)
    values ('ev-1', ?, ?, 5, 'INTERNAL: boom', 0)`).run(type, envelope);
  return db;
}

test('when a module has a dead letter, then dlq lists it and replay puts it back in the inbox', async (t) => {
  const box = sandbox(t);
  await cleave(box, 'migrate', 'up');
  const db = plantDeadLetter(t, path.join(box.cwd, 'data', 'identity.sqlite'), 'identity.userCreated');

  const listed = await cleave(box, 'dlq', 'list');
  const replayed = await cleave(box, 'dlq', 'replay', '--id', 'ev-1');
  const after = await cleave(box, 'dlq', 'list', '--json');

  t.regex(listed.stdout, /^identity\s+ev-1\s+identity\.userCreated\s+5\s+1970-01-01T00:00:00\.000Z\s+INTERNAL: boom$/m);
  t.is(replayed.code, 0);
  t.regex(replayed.stdout, /^identity: 1 replayed$/m);
  t.deepEqual(JSON.parse(after.stdout), []);
  t.is(db.prepare(`select status from cleave_inbox where id = 'ev-1'`).pluck().get(), 'pending');
});

test('when a module has a database of its own, then dlq lists and replays the dead letters kept there', async (t) => {
  const box = sandbox(t);
  const own = path.join(box.cwd, 'alerts-db', 'alerts.sqlite');
  box.env.CLEAVE_ALERTS_DB_URL = own;
  await cleave(box, 'migrate', 'up');
  const db = plantDeadLetter(t, own, 'telemetry.readingsRecorded');

  const listed = await cleave(box, 'dlq', 'list', '--modules', 'alerts');
  const replayed = await cleave(box, 'dlq', 'replay', '--modules', 'alerts', '--id', 'ev-1');

  t.regex(listed.stdout, /^alerts\s+ev-1\s+telemetry\.readingsRecorded\s+5\s/m);
  t.regex(replayed.stdout, /^alerts: 1 replayed$/m);
  t.is(db.prepare(`select status from cleave_inbox where id = 'ev-1'`).pluck().get(), 'pending');
});

test('when there is nothing to replay, then dlq replay reports 0 and an unknown id fails', async (t) => {
  const box = sandbox(t);

  const all = await cleave(box, 'dlq', 'replay');
  const one = await cleave(box, 'dlq', 'replay', '--id', 'nope');

  t.is(all.code, 0);
  t.regex(all.stdout, /^identity: 0 replayed$/m);
  t.is(one.code, 1);
  assertOneErrorLine(t, one.stderr, 'nope');
});

test('when dlq is given no sub-command, then it shows its help and exits 2', async (t) => {
  const result = await cleave(sandbox(t), 'dlq');

  t.is(result.code, 2);
  t.regex(result.stderr, /cleave dlq list/);
});
