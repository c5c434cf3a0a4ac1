import { execFile } from 'node:child_process';
import { copyFileSync, renameSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import mqtt, { type MqttClient } from 'mqtt';
import { assertOneErrorLine, cleave, sandbox } from './fixtures/cli-run.js';
import { registerDevice as registerOverHttp } from './support/devices.js';
import { dynsec, publishReading as publishTo, storedValues } from './support/external-broker.js';
import { adminEmail, adminPassword, eventually, startTestHost, type TestHost } from './support/host.js';
import { freePort, mosquittoAvailable, startMosquitto } from './support/mosquitto.js';
import { httpsJson, makeCa, peerCertificate, type Issued, type TestCa } from './support/tls.js';

let ca: TestCa;
let server: Issued;
let other: Issued;

test.before(() => {
  ca = makeCa();
  server = ca.issue('server');
  other = ca.issue('other');
});
test.after.always(() => ca?.remove());

type Readings = { readings: Array<{ metric: string; value: number }> };

const tlsConfig = (files: { cert: string; key: string } = server) => ({
  'tls.cert': files.cert,
  'tls.key': files.key,
  'edge.broker': 'embedded',
  'edge.port': 0,
  'edge.tlsPort': 0,
  'edge.host': '127.0.0.1',
  // The certificate probes poll the TLS port, and every accepted connection counts towards the address's rate.
  'edge.connectsPerSecondPerAddress': 1000,
});

async function withTlsHost(run: (host: TestHost) => Promise<void>, config: Record<string, unknown> = {}, logTo?: { write(line: string): void }) {
  const host = await startTestHost({ config: { ...tlsConfig(), ...config }, logTo });
  try {
    await run(host);
  } finally {
    await host.stop();
  }
}

async function login(host: TestHost): Promise<string> {
  const res = await httpsJson(`${host.url}/api/identity/login`, { ca: ca.ca, method: 'POST', body: { email: adminEmail, password: adminPassword } });
  return (res.body as { token: string }).token;
}

async function registerDevice(host: TestHost, token: string): Promise<{ id: string; secret: string }> {
  const res = await httpsJson(`${host.url}/api/devices`, { ca: ca.ca, method: 'POST', token, body: { name: 'tls device' } });
  return res.body as { id: string; secret: string };
}

const readings = async (host: TestHost, token: string, id: string) =>
  ((await httpsJson(`${host.url}/api/telemetry/devices/${id}/readings`, { ca: ca.ca, token })).body as Readings).readings;

const connectDevice = (url: string, device: { id: string; secret: string }) =>
  mqtt.connectAsync(url, { ca: ca.ca, clientId: device.id, username: device.id, password: device.secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 });

const publishReading = (client: MqttClient, id: string, value: number) =>
  client.publishAsync(`v1/devices/${id}/telemetry`, JSON.stringify({ metrics: { temp: value } }), { qos: 1 });

test.serial('when TLS is configured, then HTTP answers over HTTPS to a client trusting the CA and refuses plain HTTP on that port', async (t) => {
  await withTlsHost(async (host) => {
    t.regex(host.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    t.is((await httpsJson(`${host.url}/healthz`, { ca: ca.ca })).status, 200);
    await t.throwsAsync(fetch(`${host.url}/healthz`), undefined, 'a client without the CA does not trust it');
    await t.throwsAsync(fetch(`${host.url.replace('https:', 'http:')}/healthz`), undefined, 'plain HTTP is refused');
  });
});

test.serial('when a device publishes over mqtts:// with the CA (mqtt.js and mosquitto_pub), then its readings are stored and read back over HTTPS', async (t) => {
  await withTlsHost(async (host) => {
    const token = await login(host);
    const device = await registerDevice(host, token);
    const client = await connectDevice(`mqtts://localhost:${host.host.edgeTlsPort}`, device);
    await publishReading(client, device.id, 21.5);
    await client.endAsync();
    const pub = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const args = ['-h', 'localhost', '-p', String(host.host.edgeTlsPort), '--cafile', ca.caFile, '-i', device.id, '-u', device.id, '-P', device.secret, '-q', '1',
        '-t', `v1/devices/${device.id}/telemetry`, '-m', JSON.stringify({ ts: Date.now() + 1, metrics: { temp: 22.5 } })];
      execFile('mosquitto_pub', args, (err, _stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }));
    });
    t.is(pub.code, 0, pub.stderr);
    t.deepEqual((await readings(host, token, device.id)).map((r) => r.value).sort(), [21.5, 22.5]);
  });
});

test.serial('when a plain-text MQTT client connects to the TLS port, then it never gets a CONNACK', async (t) => {
  await withTlsHost(async (host) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${host.host.edgeTlsPort}`, { clientId: 'plain', reconnectPeriod: 0, connectTimeout: 3000 });
    const outcome = await new Promise<string>((resolve) => {
      client.once('connect', () => resolve('connected'));
      client.once('close', () => resolve('closed'));
    });
    client.end(true);
    t.is(outcome, 'closed');
  });
});

test.serial('when edge.plaintext is false, then the plain port is not listening and devices still connect over TLS', async (t) => {
  const plainPort = await freePort();
  await withTlsHost(async (host) => {
    t.is(host.host.edgePort, undefined);
    const refused = await new Promise<string | undefined>((resolve) => {
      const socket = createConnection({ port: plainPort, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    });
    t.is(refused, 'ECONNREFUSED');
    const device = await registerDevice(host, await login(host));
    const client = await connectDevice(`mqtts://localhost:${host.host.edgeTlsPort}`, device);
    t.true(client.connected);
    await client.endAsync();
  }, { 'edge.port': plainPort, 'edge.plaintext': false });
});

test.serial('when a device connects over WSS at /mqtt, then its reading is stored', async (t) => {
  await withTlsHost(async (host) => {
    const token = await login(host);
    const device = await registerDevice(host, token);
    const client = await connectDevice(`${host.url.replace('https:', 'wss:').replace('127.0.0.1', 'localhost')}/mqtt`, device);
    await publishReading(client, device.id, 19);
    await client.endAsync();
    t.deepEqual((await readings(host, token, device.id)).map((r) => r.value), [19]);
  });
});

test.serial('when the certificate files are replaced, then a bad pair is logged and ignored, a good one serves new connections, and a live connection stays up', async (t) => {
  const live = { cert: join(ca.dir, 'live.crt'), key: join(ca.dir, 'live.key') };
  copyFileSync(server.cert, live.cert);
  copyFileSync(server.key, live.key);
  const replace = (from: string, to: string) => {
    copyFileSync(from, `${to}.new`);
    renameSync(`${to}.new`, to);
  };
  const logs: string[] = [];
  await withTlsHost(async (host) => {
    const tlsPort = host.host.edgeTlsPort!;
    const httpPort = Number(new URL(host.url).port);
    const token = await login(host);
    const device = await registerDevice(host, token);
    const client = await connectDevice(`mqtts://localhost:${tlsPort}`, device);
    t.is((await peerCertificate(tlsPort, ca.ca)).fingerprint256, server.fingerprint);

    replace(other.cert, live.cert);
    await eventually(async () => (logs.some((line) => line.includes('was not loaded')) ? true : undefined), 10_000, 'the bad pair to be logged');
    t.is((await peerCertificate(tlsPort, ca.ca)).fingerprint256, server.fingerprint, 'the old pair is kept');

    replace(other.key, live.key);
    for (const port of [tlsPort, httpPort]) {
      await eventually(async () => ((await peerCertificate(port, ca.ca)).fingerprint256 === other.fingerprint ? true : undefined), 10_000, `the new certificate on ${port}`);
    }
    t.true(client.connected, 'the live connection is still up');
    await publishReading(client, device.id, 7);
    await client.endAsync();
    t.deepEqual((await readings(host, token, device.id)).map((r) => r.value), [7]);
  }, tlsConfig(live), { write: (line) => void logs.push(line) });
});

test.serial('when the TLS device port is taken, then start-up fails naming --edge-tls-port', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const error = await t.throwsAsync(startTestHost({ config: { ...tlsConfig(), 'edge.tlsPort': port } }));
    t.regex(error!.message, new RegExp(`edge broker port ${port} is already in use; choose another with --edge-tls-port`));
  } finally {
    taken.close();
  }
});

test.serial('when a certificate file cannot be read or the key does not match, then start exits 2 with one line naming the key and the file', async (t) => {
  const missing = join(ca.dir, 'missing.crt');

  const unreadable = await cleave(sandbox(t), 'start', '--tls-cert', missing, '--tls-key', server.key);
  const mismatched = await cleave(sandbox(t), 'start', '--tls-cert', server.cert, '--tls-key', other.key);
  const noTls = await cleave(sandbox(t, { CLEAVE_EDGE: 'embedded' }), 'start', '--no-edge-plaintext');

  t.is(unreadable.code, 2);
  assertOneErrorLine(t, unreadable.stderr, '"tls.cert"', missing, 'cannot be read');
  t.is(mismatched.code, 2);
  assertOneErrorLine(t, mismatched.stderr, '"tls.key"', other.key, 'does not match');
  t.is(noTls.code, 2);
  assertOneErrorLine(t, noTls.stderr, '"edge.plaintext" is false');
});

const withMosquitto = mosquittoAvailable() ? test.serial : test.skip;

withMosquitto('when the bus broker speaks mqtts:// with a private CA, then a host trusting bus.mqtt.ca connects and one without it is refused clearly', async (t) => {
  const broker = await startMosquitto({ tls: { cafile: ca.caFile, certfile: server.cert, keyfile: server.key } });
  try {
    t.regex(broker.url, /^mqtts:/);
    const bus = { 'bus.transport': 'mqtt', 'bus.mqtt.url': broker.url };
    const host = await startTestHost({ config: { ...bus, 'bus.mqtt.ca': ca.caFile } });
    try {
      const ready = await fetch(`${host.url}/readyz`);
      t.is(ready.status, 200);
    } finally {
      await host.stop();
    }
    const error = await t.throwsAsync(startTestHost({ config: bus }));
    t.regex(error!.message, /TLS with MQTT broker mqtts:\/\/localhost:\d+ failed: .*trust its CA with --mqtt-ca/);
  } finally {
    await broker.stop();
  }
});

withMosquitto('when the external device broker speaks mqtts:// with a private CA, then a host trusting edge.ca provisions devices and ingests their readings', async (t) => {
  const broker = await startMosquitto({ dynsec, tls: { cafile: ca.caFile, certfile: server.cert, keyfile: server.key } });
  try {
    const host = await startTestHost({
      config: {
        'edge.broker': 'external',
        'edge.url': `mqtts://${dynsec.admin}:${dynsec.password}@localhost:${broker.port}`,
        'edge.ca': ca.caFile,
        'bus.instance': 'tls-external',
      },
    });
    try {
      const device = await registerOverHttp(host);
      // The device's credentials reach the broker shortly after its registration.
      const client = await eventually(() => connectDevice(broker.url, device).catch(() => undefined), 10_000, 'the broker to let the device in');
      await publishTo(client, device.id, { temperature: 5 });
      t.deepEqual(await storedValues(host, device.id, 1), [5]);
      await client.endAsync();
    } finally {
      await host.stop();
    }
  } finally {
    await broker.stop();
  }
});
