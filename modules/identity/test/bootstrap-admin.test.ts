import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { adminPassword, startTestHost } from '../../../test/support/host.js';
import { identityModule } from './hosting.js';
import { identityApi } from './http.js';

interface LogLine {
  level: number;
  msg: string;
  module?: string;
}

const warn = 40;

function logSink() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines, firstAdmin: () => lines.filter((l) => l.msg.startsWith('created the first admin')) };
}

function tempDir(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'cleave-identity-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const noAdminConfig = { 'identity.adminEmail': '', 'identity.adminPassword': '' };
const generated = /^created the first admin: (\S+) \/ ([A-Za-z0-9_-]{24}) \(set CLEAVE_IDENTITY_ADMIN_EMAIL and CLEAVE_IDENTITY_ADMIN_PASSWORD to choose them\)$/;

test('when no admin is configured, then admin@localhost gets a random password logged once at warn', async (t) => {
  const dataDir = tempDir(t);
  const first = logSink();
  const host = await startTestHost({ modules: [identityModule], config: noAdminConfig, dataDir, logTo: first.stream });
  const [line] = first.firstAdmin();
  const [, email, password] = generated.exec(line?.msg ?? '') ?? [];
  try {
    t.is(first.firstAdmin().length, 1);
    t.is(line.level, warn);
    t.is(email, 'admin@localhost');
    const me = await identityApi(host.url).get('/me', await host.login(email, password));
    t.like(me.body, { email: 'admin@localhost', role: 'admin' });
  } finally {
    await host.stop();
  }

  const second = logSink();
  const again = await startTestHost({ modules: [identityModule], config: noAdminConfig, dataDir, logTo: second.stream });
  try {
    t.deepEqual(second.firstAdmin(), []);
    const users = await identityApi(again.url).get('/users', await again.login(email, password));
    t.is(users.body.users.length, 1);
  } finally {
    await again.stop();
  }
});

test('when only the admin email is configured, then that admin gets a generated password', async (t) => {
  const logs = logSink();
  const config = { 'identity.adminEmail': 'Chief@Example.test', 'identity.adminPassword': '' };
  const host = await startTestHost({ modules: [identityModule], config, dataDir: tempDir(t), logTo: logs.stream });
  t.teardown(() => host.stop());

  const [, email, password] = generated.exec(logs.firstAdmin()[0]?.msg ?? '') ?? [];

  t.is(email, 'chief@example.test');
  t.truthy(await host.login(email, password));
});

test('when the admin email and password are configured, then that admin can log in and no password is logged', async (t) => {
  const logs = logSink();
  const host = await startTestHost({ modules: [identityModule], dataDir: tempDir(t), logTo: logs.stream });
  t.teardown(() => host.stop());

  const token = await host.login();

  t.truthy(token);
  t.deepEqual(logs.firstAdmin().filter((l) => l.level >= warn), []);
  t.false(logs.lines.some((l) => JSON.stringify(l).includes(adminPassword)));
});
