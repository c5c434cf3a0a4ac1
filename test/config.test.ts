import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ConfigError, describeKeys, loadConfig, redact } from '../src/config/load.js';
import { sliceOf } from '../src/config/modules.js';
import { setting } from '../src/kernel/settings.js';
import { modules } from '../modules/index.js';

/** A module of its own for these tests: a flat key and a nested one. */
const notes = {
  contract: { name: 'notes' },
  config: {
    greeting: setting.string({ doc: 'What a new note starts with.', default: 'hello' }),
    limits: { perDay: setting.int({ doc: 'Notes one user may add a day.', default: 10, min: 1, max: 100 }) },
  },
};

function tempCwd(t: ExecutionContext, files: Record<string, string> = {}): string {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cleave-config-'));
  t.teardown(() => fs.rmSync(cwd, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(cwd, name)), { recursive: true });
    fs.writeFileSync(path.join(cwd, name), content);
  }
  return cwd;
}

function configError(t: ExecutionContext, fn: () => unknown): string {
  const error = t.throws(fn, { instanceOf: ConfigError });
  t.is(error.name, 'ConfigError');
  t.false(error.message.includes('\n'));
  return error.message;
}

test('when nothing is configured, then every key has its default', (t) => {
  const config = loadConfig({ env: {}, cwd: tempCwd(t), modules });

  t.deepEqual(config.modules, ['*']);
  t.is(config.bus.transport, 'inproc');
  t.deepEqual(config.bus.mqtt, { url: 'mqtt://127.0.0.1:1883', ca: '', eventBatches: false });
  t.is(config.bus.instance, '');
  t.is(config.bus.retry.maxAttempts, 5);
  t.deepEqual(config.bus.breaker, { failures: 5, halfOpenAfterMs: 5000 });
  t.true(config.bus.outbox.relay);
  t.deepEqual(config.http, { port: 3000, host: '0.0.0.0', bodyLimit: 1_048_576, gateway: false, trustProxy: '' });
  t.deepEqual(config.db, { dataDir: './data', url: '', poolMax: 10 });
  t.deepEqual(config.edge, {
    broker: 'embedded',
    port: 1883,
    tlsPort: 8883,
    plaintext: true,
    host: '0.0.0.0',
    url: '',
    ca: '',
    maxPayloadBytes: 65_536,
    maxMessagesPerSecond: 100,
    connectTimeoutMs: 10_000,
    connectsPerSecondPerAddress: 20,
    batch: { maxMessages: 1000, lingerMs: 2 },
  });
  t.deepEqual(config.tls, { cert: '', key: '' });
  t.deepEqual(sliceOf(config, 'telemetry'), { maxItems: 500, rejectionsRetentionDays: 7, dedupeWindowMs: 3_600_000 });
  t.is(config.log.level, 'info');
  t.like(sliceOf(config, 'identity'), { tokenTtl: 3600, loginLimits: { perAccount: 5, perAddress: 20 } });
  t.deepEqual(config.identity, { issuer: 'cleave', audience: 'cleave', adminEmail: '', adminPassword: '', tokenTtl: 3600, loginLimits: { perAccount: 5, perAddress: 20 }, db: { url: '' } });
  t.deepEqual(config.hashing, { concurrency: 2, maxWaiting: 64 });
});

test('when a key is set in files, env and overrides, then the later source wins', (t) => {
  const cwd = tempCwd(t, {
    'config/default.json': JSON.stringify({
      http: { port: 1000, host: '127.0.0.1' },
      log: { level: 'warn' },
      db: { dataDir: '/a' },
    }),
    'config/test.json': JSON.stringify({ http: { port: 2000 }, log: { level: 'debug' } }),
    'extra.json': JSON.stringify({ http: { port: 3001 }, bus: { namespace: 'from-file' } }),
  });
  const env = {
    NODE_ENV: 'test', CLEAVE_HTTP_PORT: '4000', CLEAVE_BUS_NAMESPACE: 'from-env', CLEAVE_OUTBOX_RELAY: '0',
  };
  const overrides = { 'http.port': '5000', 'db.url': undefined };

  const config = loadConfig({ env, cwd, configFile: 'extra.json', overrides });

  t.is(config.http.port, 5000);
  t.is(config.bus.namespace, 'from-env');
  t.is(config.log.level, 'debug');
  t.is(config.http.host, '127.0.0.1');
  t.is(config.db.dataDir, '/a');
  t.is(config.db.url, '');
  t.false(config.bus.outbox.relay);
});

test('when the named config file is missing, then the error names it', (t) => {
  const message = configError(t, () => loadConfig({ env: {}, cwd: tempCwd(t), configFile: 'nope.json' }));

  t.regex(message, /nope\.json.*does not exist/);
});

test('when a file holds an unknown key, then the error names the key and the file', (t) => {
  const cwd = tempCwd(t, { 'config/default.json': JSON.stringify({ http: { prot: 1 } }) });

  const message = configError(t, () => loadConfig({ env: {}, cwd }));

  t.regex(message, /^unknown config key "http\.prot" in config\/default\.json/);
  t.regex(message, /port, host, bodyLimit/);
});

test('when a file is not valid JSON, then the error names the file', (t) => {
  const cwd = tempCwd(t, { 'config/default.json': '{ "http": ' });

  const message = configError(t, () => loadConfig({ env: {}, cwd }));

  t.regex(message, /^config file config\/default\.json is not valid JSON/);
});

test('when a file holds a bad value, then the error names the key, the value and the file', (t) => {
  const cwd = tempCwd(t, { 'config/default.json': JSON.stringify({ bus: { transport: 'kafka' } }) });

  const message = configError(t, () => loadConfig({ env: {}, cwd }));

  t.is(message,
    'config key "bus.transport" has the bad value "kafka" in config/default.json: must be one of inproc, mqtt');
});

test('when an env value is bad, then the error names the key, the value, the variable and the rule', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_HTTP_PORT: 'abc' }, cwd: tempCwd(t) }));

  t.is(message,
    'config key "http.port" has the bad value "abc" from CLEAVE_HTTP_PORT: must be a port number (0-65535)');
});

test('when an env number has trailing text, then it is rejected rather than truncated', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_BUS_MAX_ATTEMPTS: '12abc' }, cwd: tempCwd(t) }));

  t.regex(message, /"bus\.retry\.maxAttempts" has the bad value "12abc" from CLEAVE_BUS_MAX_ATTEMPTS/);
  t.regex(message, /must be an integer from 1 to 100$/);
});

test('when a circuit breaker setting is out of range, then the error names the key, the variable and the range', (t) => {
  const failures = configError(t, () => loadConfig({ env: { CLEAVE_BUS_BREAKER_FAILURES: '-1' }, cwd: tempCwd(t) }));
  const halfOpen = configError(t, () => loadConfig({ env: { CLEAVE_BUS_BREAKER_HALF_OPEN_AFTER_MS: '0' }, cwd: tempCwd(t) }));

  t.regex(failures, /"bus\.breaker\.failures" has the bad value "-1" from CLEAVE_BUS_BREAKER_FAILURES: must be an integer from 0 to 1000$/);
  t.regex(halfOpen, /"bus\.breaker\.halfOpenAfterMs" has the bad value "0" from CLEAVE_BUS_BREAKER_HALF_OPEN_AFTER_MS: must be an integer from 1 to/);
});

test('when an env boolean is not true or false, then the error says so', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_OUTBOX_RELAY: 'nope' }, cwd: tempCwd(t) }));

  t.regex(message, /"bus\.outbox\.relay" has the bad value "nope" from CLEAVE_OUTBOX_RELAY: must be true or false/);
});

test('when an override is bad or unknown, then the error names the key and the overrides', (t) => {
  const cwd = tempCwd(t);

  const bad = configError(t, () => loadConfig({ env: {}, cwd, overrides: { 'http.port': 70000 } }));
  const unknown = configError(t, () => loadConfig({ env: {}, cwd, overrides: { 'http.prot': 1 } }));

  t.is(bad, 'config key "http.port" has the bad value 70000 from overrides: must be a port number (0-65535)');
  t.regex(unknown, /^unknown config key "http\.prot" in overrides/);
});

test('when modules is a comma-separated list, then it becomes an array of names', (t) => {
  const config = loadConfig({ env: { CLEAVE_MODULES: 'orders, billing' }, cwd: tempCwd(t) });

  t.deepEqual(config.modules, ['orders', 'billing']);
});

test('when modules is * or an array in a file, then it is kept as a list', (t) => {
  const cwd = tempCwd(t, { 'config/default.json': JSON.stringify({ modules: ['identity', 'devices'] }) });

  t.deepEqual(loadConfig({ env: {}, cwd }).modules, ['identity', 'devices']);
  t.deepEqual(loadConfig({ env: { CLEAVE_MODULES: '*' }, cwd }).modules, ['*']);
});

test('when a module name is invalid, then the error names the key and the rule', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_MODULES: 'orders,Billing!' }, cwd: tempCwd(t) }));

  t.regex(message, /^config key "modules" has the bad value "orders,Billing!" from CLEAVE_MODULES: must be \*/);
});

test('when a sensitive value is bad, then the error hides it', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_DB_URL: 'not a url s3cret' }, cwd: tempCwd(t) }));

  t.regex(message, /"db\.url" has a bad value \(hidden, sensitive\) from CLEAVE_DB_URL/);
  t.false(message.includes('s3cret'));
});

test('when the edge broker is external without a URL, then the error says edge.url is needed', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_EDGE: 'external' }, cwd: tempCwd(t) }));

  t.regex(message, /"edge\.url" is empty: must be set when edge\.broker is "external"/);
});

test('when the external edge broker URL has no user and password, then the error asks for the dynamic-security admin', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_EDGE: 'external', CLEAVE_EDGE_URL: 'mqtt://edge-host:1883' }, cwd: tempCwd(t) }));

  t.regex(message, /"edge\.url" has no user and password: name the broker's dynamic-security admin/);
  t.false(message.includes('edge-host'), 'the URL is sensitive and not echoed');
});

test('when only one of tls.cert and tls.key is set, then the error names both', (t) => {
  const cwd = tempCwd(t);

  const certOnly = configError(t, () => loadConfig({ env: { CLEAVE_TLS_CERT: '/etc/cleave/cert.pem' }, cwd }));
  const keyOnly = configError(t, () => loadConfig({ env: {}, cwd, overrides: { 'tls.key': '/etc/cleave/key.pem' } }));

  t.is(certOnly, 'config keys "tls.cert" and "tls.key" go together: tls.cert is set but tls.key is empty');
  t.is(keyOnly, 'config keys "tls.cert" and "tls.key" go together: tls.key is set but tls.cert is empty');
});

test('when the plain-text device listener is off without TLS, then the error says devices would have no listener', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_EDGE_PLAINTEXT: 'false' }, cwd: tempCwd(t) }));

  t.regex(message, /^config key "edge\.plaintext" is false but tls\.cert and tls\.key are not set: devices would have no listener/);
});

test('when the plain-text device listener is off with TLS, then the configuration is accepted', (t) => {
  const env = { CLEAVE_EDGE_PLAINTEXT: '0', CLEAVE_TLS_CERT: 'cert.pem', CLEAVE_TLS_KEY: 'key.pem', CLEAVE_EDGE_TLS_PORT: '8884' };

  const config = loadConfig({ env, cwd: tempCwd(t) });

  t.false(config.edge.plaintext);
  t.is(config.edge.tlsPort, 8884);
  t.deepEqual(config.tls, { cert: 'cert.pem', key: 'key.pem' });
});

test('when a config is redacted, then passwords are hidden and the original is unchanged', (t) => {
  const env = {
    CLEAVE_DB_URL: 'postgres://app:s3cret@db:5432/cleave',
    CLEAVE_IDENTITY_ADMIN_PASSWORD: 'hunter2-hunter2',
    CLEAVE_DEVICES_DB_URL: 'postgres://dev:d3vpass@db:5432/devices',
    CLEAVE_ALERTS_DB_URL: 'sqlite:/var/lib/cleave/alerts.sqlite',
    CLEAVE_EDGE_URL: 'mqtts://t0ken@edge:8883',
    CLEAVE_BUS_KEY: 'bus-k3y-0123456789abcdef0123456789abcdef',
  };
  const config = loadConfig({ env, cwd: tempCwd(t), modules });

  const shown = redact(config, modules);

  t.is(shown.db.url, 'postgres://app:[redacted]@db:5432/cleave');
  t.like(shown, { identity: { adminPassword: '[redacted]' } });
  t.like(shown, { devices: { db: { url: 'postgres://dev:[redacted]@db:5432/devices' } } });
  t.like(shown, { alerts: { db: { url: 'sqlite:/var/lib/cleave/alerts.sqlite' } } }, 'a SQLite path holds no secret');
  t.is(shown.bus.key, '[redacted]');
  t.is(shown.bus.mqtt.url, 'mqtt://127.0.0.1:1883');
  t.is(shown.edge.url, 'mqtts://[redacted]@edge:8883');
  t.is(sliceOf(config, 'identity').adminPassword, 'hunter2-hunter2');
  t.false(/s3cret|hunter2|t0ken|k3y|d3vpass/.test(JSON.stringify(shown)));
});

test('when keys are described, then each has its env variable, default and doc', (t) => {
  const keys = describeKeys(modules);

  t.deepEqual(keys.find((key) => key.key === 'http.port'), {
    key: 'http.port', env: 'CLEAVE_HTTP_PORT', default: 3000, doc: 'HTTP port; 0 picks any free port.',
  });
  t.true(keys.every((key) => key.env.startsWith('CLEAVE_') && key.doc.length > 0));
  t.like(keys.find((key) => key.key === 'identity.issuer'), { env: 'CLEAVE_IDENTITY_ISSUER', default: 'cleave' });
  t.like(keys.find((key) => key.key === 'identity.audience'), { env: 'CLEAVE_IDENTITY_AUDIENCE', default: 'cleave' });
  t.like(keys.find((key) => key.key === 'bus.key'), { env: 'CLEAVE_BUS_KEY', default: '' });
  t.like(keys.find((key) => key.key === 'identity.loginLimits.perAccount'), { env: 'CLEAVE_IDENTITY_LOGIN_LIMITS_PER_ACCOUNT', default: 5 });
  t.like(keys.find((key) => key.key === 'hashing.maxWaiting'), { env: 'CLEAVE_HASH_MAX_WAITING', default: 64 });
  t.like(keys.find((key) => key.key === 'http.trustProxy'), { env: 'CLEAVE_HTTP_TRUST_PROXY', default: '' });
  t.like(keys.find((key) => key.key === 'devices.db.url'), { env: 'CLEAVE_DEVICES_DB_URL', default: '' });
  t.like(keys.find((key) => key.key === 'bus.mqtt.eventBatches'), { env: 'CLEAVE_MQTT_EVENT_BATCHES', default: false });
  t.is(keys.length, 57);
  t.is(describeKeys().length, 44, 'the kernel\'s own keys');
});

test('when a module declares a config slice, then its keys are listed under its name with their variables', (t) => {
  const keys = describeKeys([notes]);

  t.deepEqual(keys.filter((key) => key.key.startsWith('notes.')).map(({ key, env, default: value }) => [key, env, value]), [
    ['notes.greeting', 'CLEAVE_NOTES_GREETING', 'hello'],
    ['notes.limits.perDay', 'CLEAVE_NOTES_LIMITS_PER_DAY', 10],
    ['notes.db.url', 'CLEAVE_NOTES_DB_URL', ''],
  ]);
  t.is(keys.find((key) => key.key === 'notes.limits.perDay')?.doc, 'Notes one user may add a day.');
});

test('when a module key is set by a file and by its env variable, then the variable wins and the module gets its typed slice', (t) => {
  const cwd = tempCwd(t, { 'config/default.json': JSON.stringify({ notes: { greeting: 'hi', limits: { perDay: 3 } } }) });

  const config = loadConfig({ env: { CLEAVE_NOTES_LIMITS_PER_DAY: '42' }, cwd, modules: [notes] });

  t.deepEqual(sliceOf(config, 'notes'), { greeting: 'hi', limits: { perDay: 42 } });
});

test('when a module key has a bad value, then the error names the module key, the value, the variable and the rule', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_NOTES_LIMITS_PER_DAY: '0' }, cwd: tempCwd(t), modules: [notes] }));

  t.is(message, 'config key "notes.limits.perDay" has the bad value "0" from CLEAVE_NOTES_LIMITS_PER_DAY: must be an integer from 1 to 100');
});

test('when a module key is unknown, then the error lists the module\'s keys', (t) => {
  const cwd = tempCwd(t, { 'config/default.json': JSON.stringify({ notes: { greting: 'hi' } }) });

  const message = configError(t, () => loadConfig({ env: {}, cwd, modules: [notes] }));

  t.is(message, 'unknown config key "notes.greting" in config/default.json (known keys under notes: greeting, limits, db)');
});

test('when a variable a module key was read from before is set, then start-up stops naming the new variable', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_ADMIN_PASSWORD: 'old-secret-value' }, cwd: tempCwd(t), modules }));

  t.is(message, 'the variable CLEAVE_ADMIN_PASSWORD is now CLEAVE_IDENTITY_ADMIN_PASSWORD (config key "identity.adminPassword"): rename it');
});

test('when a module declares db or a kernel key, then the configuration is refused naming the key', (t) => {
  const own = { contract: { name: 'notes' }, config: { db: { url: setting.string({ doc: 'mine', default: 'x' }) } } };
  const clash = { contract: { name: 'identity' }, config: { issuer: setting.string({ doc: 'mine', default: 'x' }) } };

  t.regex(configError(t, () => loadConfig({ env: {}, cwd: tempCwd(t), modules: [own] })), /"notes\.db", which is the kernel's/);
  t.regex(configError(t, () => loadConfig({ env: {}, cwd: tempCwd(t), modules: [clash] })), /"identity\.issuer" is declared twice/);
});

test('when a module database URL is neither PostgreSQL nor SQLite, then the error names the module key', (t) => {
  const message = configError(t, () => loadConfig({ env: { CLEAVE_DEVICES_DB_URL: 'mysql://u:pw@db/devices' }, cwd: tempCwd(t), modules }));

  t.is(message, 'config key "devices.db.url" has a bad value (hidden, sensitive) from CLEAVE_DEVICES_DB_URL: must be empty, a postgres:// URL, sqlite:<path> or a file path');
});
