import fs from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import test from 'ava';
import { assertOneErrorLine, cleave, root, sandbox, startHost } from './fixtures/cli-run.js';
import { testBusKey as busKey } from './support/host.js';

test('when --help is given, then it exits 0 and lists the commands', async (t) => {
  const result = await cleave(sandbox(t), '--help');

  t.is(result.code, 0);
  for (const command of ['start', 'migrate', 'modules', 'config', 'dlq']) {
    t.true(result.stdout.includes(`cleave ${command}`), command);
  }
});

test('when a command is given --help, then it exits 0 and lists its flags', async (t) => {
  const result = await cleave(sandbox(t), 'start', '--help');

  t.is(result.code, 0);
  for (const flag of ['--modules', '--bus', '--http-port', '--data-dir', '--edge', '--no-migrate', '--config']) {
    t.true(result.stdout.includes(flag), flag);
  }
});

test('when no command is given, then it shows help and exits 2', async (t) => {
  const result = await cleave(sandbox(t));

  t.is(result.code, 2);
  t.regex(result.stderr, /Commands:/);
  t.regex(result.stderr, /^cleave: cleave needs a command/m);
});

test('when --version is given, then it prints the package version', async (t) => {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

  const result = await cleave(sandbox(t), '--version');

  t.is(result.code, 0);
  t.is(result.stdout.trim(), version);
});

test('when the command is unknown, then it exits 2 naming it', async (t) => {
  const result = await cleave(sandbox(t), 'launch');

  t.is(result.code, 2);
  assertOneErrorLine(t, result.stderr, 'unknown command "launch"');
});

test('when a flag is unknown to the command, then it exits 2 naming it', async (t) => {
  const result = await cleave(sandbox(t), 'migrate', '--http-port', '80');

  t.is(result.code, 2);
  assertOneErrorLine(t, result.stderr, '--http-port');
});

test('when the configuration has a bad value, then start exits 2 naming the key', async (t) => {
  const result = await cleave(sandbox(t, { CLEAVE_HTTP_PORT: 'abc' }), 'start');

  t.is(result.code, 2);
  assertOneErrorLine(t, result.stderr, 'http.port', 'abc', 'CLEAVE_HTTP_PORT');
});

test('when a module key has a bad value, then start exits 2 naming the module key', async (t) => {
  const result = await cleave(sandbox(t, { CLEAVE_IDENTITY_TOKEN_TTL: 'soon' }), 'start');

  t.is(result.code, 2);
  assertOneErrorLine(t, result.stderr, 'identity.tokenTtl', 'soon', 'CLEAVE_IDENTITY_TOKEN_TTL');
});

test('when --verbose is given, then an error also prints its stack', async (t) => {
  const result = await cleave(sandbox(t, { CLEAVE_HTTP_PORT: 'abc' }), 'start', '--verbose');

  t.is(result.code, 2);
  t.regex(result.stderr, /^cleave: config key "http.port"/);
  t.regex(result.stderr, /\n\s+at /);
});

test('when an unknown module is named, then start exits 2 naming it', async (t) => {
  const result = await cleave(sandbox(t), 'start', '--modules', 'nope');

  t.is(result.code, 2);
  assertOneErrorLine(t, result.stderr, '"nope"', 'identity');
});

test('when --gateway is given without the MQTT bus, or --modules none without --gateway, then start exits 2 saying why', async (t) => {
  const gateway = await cleave(sandbox(t), 'start', '--gateway');
  const none = await cleave(sandbox(t, { CLEAVE_BUS_KEY: busKey }), 'start', '--modules', 'none', '--bus', 'mqtt');

  t.is(gateway.code, 2);
  assertOneErrorLine(t, gateway.stderr, '--gateway', '--bus mqtt');
  t.is(none.code, 2);
  assertOneErrorLine(t, none.stderr, '--modules none', '--gateway');
});

test('when the MQTT bus has no bus key, or a short one, then start exits 2 naming bus.key and its length', async (t) => {
  const none = await cleave(sandbox(t), 'start', '--bus', 'mqtt', '--http-port', '0', '--edge', 'off');
  const short = await cleave(sandbox(t, { CLEAVE_BUS_KEY: 'too-short' }), 'start', '--bus', 'mqtt', '--http-port', '0', '--edge', 'off');

  t.is(none.code, 2);
  assertOneErrorLine(t, none.stderr, 'bus.key', 'CLEAVE_BUS_KEY', '32 characters');
  t.is(short.code, 2);
  assertOneErrorLine(t, short.stderr, 'bus.key', '32 characters');
  t.false(short.stderr.includes('too-short'), 'the key is not echoed');
});

test('when the MQTT broker cannot be reached, then start exits 1 naming the broker and the flag, but not its password', async (t) => {
  const url = 'mqtt://bus-user:s3cret-bus-password@127.0.0.1:1';
  const result = await cleave(sandbox(t, { CLEAVE_BUS_KEY: busKey }), 'start', '--bus', 'mqtt', '--mqtt-url', url, '--http-port', '0', '--edge', 'off');

  t.is(result.code, 1);
  assertOneErrorLine(t, result.stderr, 'mqtt://127.0.0.1:1', '--mqtt-url');
  t.false(`${result.stderr}${result.stdout}`.includes('s3cret-bus-password'));
});

test('when a started host gets SIGTERM, then it stops gracefully and exits 0', async (t) => {
  const host = startHost(t, sandbox(t));
  const ready = await host.waitForLog('cleave is ready');

  host.child.kill('SIGTERM');

  t.is(await host.exited, 0);
  t.deepEqual(ready.modules, ['identity', 'devices', 'telemetry', 'alerts', 'commands']);
  const messages = host.lines.map((line) => line.msg);
  t.true(messages.includes('cleave is stopping'));
  t.true(messages.indexOf('cleave stopped') > messages.indexOf('cleave is stopping'));
  t.is(host.stderr(), '');
});

test('when the HTTP port is in use, then start exits 1 with one line', async (t) => {
  const first = startHost(t, sandbox(t));
  const { http } = await first.waitForLog('cleave is ready');
  const port = new URL(String(http)).port;

  const result = await cleave(sandbox(t, { CLEAVE_LOG_LEVEL: 'silent' }), 'start', '--http-port', port);

  t.is(result.code, 1);
  assertOneErrorLine(t, result.stderr, port);
  first.child.kill('SIGTERM');
  t.is(await first.exited, 0);
});

test('when the device port is taken, then start exits 1 naming --edge-port before it creates any store or the first admin', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => taken.close());
  const port = String((taken.address() as AddressInfo).port);
  const box = sandbox(t, { CLEAVE_EDGE: 'embedded', CLEAVE_EDGE_HOST: '127.0.0.1', CLEAVE_EDGE_PORT: port });

  const result = await cleave(box, 'start');

  t.is(result.code, 1);
  assertOneErrorLine(t, result.stderr, `edge broker port ${port} is already in use`, '--edge-port');
  t.false(result.stdout.includes('created the first admin'), result.stdout);
  t.deepEqual(fs.existsSync(box.env.CLEAVE_DATA_DIR!) ? fs.readdirSync(box.env.CLEAVE_DATA_DIR!) : [], []);
});

test('when start creates its data folder, then only the owner may read the folder and the store files', async (t) => {
  const box = sandbox(t);
  const host = startHost(t, box);
  await host.waitForLog('cleave is ready');

  const dataDir = box.env.CLEAVE_DATA_DIR!;
  const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);
  t.is(mode(dataDir), '700');
  const stores = fs.readdirSync(dataDir).filter((name) => name.includes('.sqlite'));
  t.true(stores.includes('identity.sqlite') && stores.includes('identity.sqlite-wal'), stores.join(', '));
  for (const store of stores) t.is(mode(path.join(dataDir, store)), '600', store);
  host.child.kill('SIGTERM');
  t.is(await host.exited, 0);
});
