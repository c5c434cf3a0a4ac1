import test from 'ava';
import { pathToFileURL } from 'node:url';
import { cleave, root, sandbox, startHost, type Sandbox } from './fixtures/cli-run.js';

const refuse = pathToFileURL(`${root}/dist/test/fixtures/refuse-packages.js`).href;
const admin = { email: 'chief@example.test', password: 'chief-password' };

/**
 * A sandbox whose `cleave` cannot load `packages`: a start that needs one of them fails. It runs the compiled
 * tree (`CLEAVE_BUNDLE=off`), where each package is a file Node loads; the bundle carries them all inside and
 * initialises each where the tree would load it.
 */
const without = (t: Parameters<typeof sandbox>[0], packages: string[], env: Record<string, string> = {}): Sandbox =>
  sandbox(t, {
    CLEAVE_BUNDLE: 'off',
    NODE_OPTIONS: `--import ${refuse}`,
    CLEAVE_TEST_REFUSE: packages.join(','),
    CLEAVE_IDENTITY_ADMIN_EMAIL: admin.email,
    CLEAVE_IDENTITY_ADMIN_PASSWORD: admin.password,
    ...env,
  });

async function assertServes(t: Parameters<typeof sandbox>[0], url: string): Promise<void> {
  t.is((await fetch(`${url}/readyz`)).status, 200);
  const login = await fetch(`${url}/api/identity/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(admin),
  });
  t.is(login.status, 200);
}

test('when a host keeps its data in SQLite on the in-process bus, then it starts and serves without pg or mqtt.js', async (t) => {
  const host = startHost(t, without(t, ['pg', 'mqtt'], { CLEAVE_EDGE: 'embedded', CLEAVE_EDGE_PORT: '0', CLEAVE_EDGE_HOST: '127.0.0.1' }));

  const ready = await host.waitForLog('cleave is ready');

  t.true(typeof ready.edge === 'number' && ready.edge > 0);
  await assertServes(t, String(ready.http));
  host.child.kill('SIGTERM');
  t.is(await host.exited, 0);
});

test('when the device broker is off, then a host starts and serves without aedes, ws, pg or mqtt.js', async (t) => {
  const host = startHost(t, without(t, ['aedes', 'ws', 'pg', 'mqtt']));

  const ready = await host.waitForLog('cleave is ready');

  await assertServes(t, String(ready.http));
  host.child.kill('SIGTERM');
  t.is(await host.exited, 0);
});

test('when tracing is off, then a host starts and serves without the OpenTelemetry SDK or its exporter', async (t) => {
  const sdk = ['@opentelemetry/sdk-trace-node', '@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/resources', '@opentelemetry/core'];
  const host = startHost(t, without(t, sdk), '--edge', 'off');

  const ready = await host.waitForLog('cleave is ready');

  await assertServes(t, String(ready.http));
  host.child.kill('SIGTERM');
  t.is(await host.exited, 0);
});

test('when start is given plain flags, then it starts without yargs, whose help it does not need', async (t) => {
  const host = startHost(t, without(t, ['yargs']), '--edge', 'off', '--log-level=info', '--migrate');

  const ready = await host.waitForLog('cleave is ready');

  await assertServes(t, String(ready.http));
  host.child.kill('SIGTERM');
  t.is(await host.exited, 0);
});

test('when a host needs a package it cannot load, then start fails naming that package', async (t) => {
  const host = startHost(t, without(t, ['aedes'], { CLEAVE_EDGE: 'embedded', CLEAVE_EDGE_PORT: '0' }));

  t.is(await host.exited, 1);
  t.regex(host.stderr(), /aedes/);
});

test('when start is asked for its help, then it answers without loading any library of the host', async (t) => {
  const result = await cleave(without(t, ['knex', 'koa', 'aedes', 'mqtt', 'pg', 'prom-client', 'awilix']), 'start', '--help');

  t.is(result.code, 0, result.stderr);
  t.true(result.stdout.includes('--edge-port'));
});
