import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { mosquittoForFile } from './support/broker-per-file.js';
import { eventually, startTestHost, type TestHost } from './support/host.js';
import { dynsec, externalConfig } from './support/external-broker.js';
import { startMosquitto } from './support/mosquitto.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';
import { tcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import warmup from './fixtures/modules/warmup/index.js';
import { warmupContract } from './fixtures/modules/warmup/contract.js';

const pg = await postgresAvailable();

type Report = { status: string; checks: Record<string, string> };

const readyz = async (host: TestHost) => {
  const res = await fetch(`${host.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Report };
};

/** Waits until `/readyz` answers `status` (both transitions must happen within 5 s) and returns its report. */
const readyzBecomes = (host: TestHost, status: 200 | 503) =>
  eventually(async () => {
    const answer = await readyz(host);
    return answer.status === status ? answer.body : undefined;
  }, 5000, `/readyz ${status}`);

const readinessMetric = async (host: TestHost, check: string) => {
  const text = await (await fetch(`${host.url}/metrics`)).text();
  return new RegExp(`^cleave_readiness_check\\{check="${check}"\\} (\\d)$`, 'm').exec(text)?.[1];
};

const proxied = (url: string, proxy: TcpProxy) => {
  const target = new URL(url);
  target.port = new URL(proxy.url).port;
  return target.toString();
};

async function cutAndRestore(t: ExecutionContext, host: TestHost, proxy: TcpProxy, check: string) {
  t.like(await readyzBecomes(host, 200), { status: 'ready' });
  t.is(await readinessMetric(host, check), '1');
  proxy.pause();
  const down = await readyzBecomes(host, 503);
  t.not(down.checks[check], 'ok', `${check} should name its failure: ${JSON.stringify(down.checks)}`);
  t.regex(down.checks[check], /\w/);
  t.is(await readinessMetric(host, check), '0');
  t.is((await fetch(`${host.url}/healthz`)).status, 200, 'liveness is not readiness');
  proxy.resume();
  t.like(await readyzBecomes(host, 200), { status: 'ready' });
}

test('when a host is up, then /readyz names every part it checks and each has a metric', async (t) => {
  const host = await startTestHost();
  try {
    const { checks } = await readyzBecomes(host, 200);
    t.deepEqual(Object.keys(checks).sort(), ['bus', 'database:alerts', 'database:commands', 'database:devices', 'database:identity', 'database:telemetry', 'host']);
    t.true(Object.values(checks).every((state) => state === 'ok'));
    t.is(await readinessMetric(host, 'database:identity'), '1');
  } finally {
    await host.stop();
  }
});

(pg ? test.serial : test.skip)('when PostgreSQL goes away, then /readyz is 503 naming each store and requests get 503 UNAVAILABLE; both recover by themselves', async (t) => {
  const database = await createDatabase();
  const proxy = await tcpProxy(Number(new URL(database.url).port));
  const host = await startTestHost({ config: { 'db.url': proxied(database.url, proxy) } });
  try {
    const token = await host.login();
    const devices = () => fetch(`${host.url}/api/devices`, { headers: { authorization: `Bearer ${token}` } });
    t.is((await devices()).status, 200);
    await cutAndRestore(t, host, proxy, 'database:devices');
    proxy.pause();
    await readyzBecomes(host, 503);
    const started = Date.now();
    const refused = await devices();
    t.is(refused.status, 503);
    t.is(refused.headers.get('content-type'), 'application/problem+json');
    t.like(await refused.json(), { code: 'UNAVAILABLE' });
    t.true(Date.now() - started < 5000, 'within the request timeout');
    proxy.resume();
    await eventually(async () => ((await devices()).status === 200 ? true : undefined), 5000, 'requests to succeed again');
  } finally {
    proxy.resume();
    await host.stop();
    await proxy.close();
    await database.drop();
  }
});

const broker = mosquittoForFile('readiness tests with Mosquitto');
if (broker.available) {
  const namespace = () => `r${randomBytes(4).toString('hex')}`;

  test.serial('when the bus broker goes away, then /readyz is 503 naming the bus, and 200 again once it is back', async (t) => {
    const proxy = await tcpProxy(broker.port);
    const host = await startTestHost({ config: { 'bus.transport': 'mqtt', 'bus.mqtt.url': proxy.url, 'bus.namespace': namespace() } });
    try {
      await cutAndRestore(t, host, proxy, 'bus');
    } finally {
      await host.stop();
      await proxy.close();
    }
  });

  test.serial('when a host is still running a start hook, then no gateway counts its module as hosted: the first call it routes finds the hook done', async (t) => {
    const bus = { 'bus.transport': 'mqtt', 'bus.mqtt.url': broker.url, 'bus.namespace': namespace() };
    const gateway = await startTestHost({ modules: [warmup], config: { ...bus, modules: 'none', 'http.gateway': true } });
    const starting = startTestHost({ modules: [warmup], config: { ...bus, modules: 'warmup' } });
    try {
      await eventually(async () => ((await readyz(gateway)).body.checks['hosts:warmup'] === 'ok' ? true : undefined), 20_000, 'warmup to be seen as hosted');
      t.deepEqual(await gateway.host.bus.client(warmupContract).warmedUp({}), { warmedUp: true });
    } finally {
      await (await starting).stop();
      await gateway.stop();
    }
  });

  test.serial('when a gateway routes modules that no process hosts, then /readyz is 503 naming each, until a host of them is live', async (t) => {
    const ns = namespace();
    const bus = { 'bus.transport': 'mqtt', 'bus.mqtt.url': broker.url, 'bus.namespace': ns };
    const gateway = await startTestHost({ config: { ...bus, modules: 'none', 'http.gateway': true } });
    try {
      const down = await readyzBecomes(gateway, 503);
      for (const module of ['identity', 'devices', 'telemetry', 'alerts', 'commands']) {
        t.is(down.checks[`hosts:${module}`], `no live process hosts module "${module}"`);
      }
      const identity = await startTestHost({ config: { ...bus, modules: 'identity' } });
      try {
        const partial = await eventually(async () => {
          const answer = await readyz(gateway);
          return answer.body.checks['hosts:identity'] === 'ok' ? answer : undefined;
        }, 5000, 'identity to be seen as hosted');
        t.is(partial.status, 503);
        t.is(partial.body.checks['hosts:devices'], 'no live process hosts module "devices"');
        const rest = await startTestHost({ config: { ...bus, modules: 'devices,telemetry,alerts,commands' } });
        try {
          await readyzBecomes(gateway, 200);
          t.is((await fetch(`${gateway.url}/api/identity/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: 'admin@example.test', password: 'admin-password-1' }),
          })).status, 200, 'a ready gateway serves a login');
        } finally {
          await rest.stop();
        }
        const after = await readyzBecomes(gateway, 503);
        t.is(after.checks['hosts:alerts'], 'no live process hosts module "alerts"');
        t.is(after.checks['hosts:identity'], 'ok');
      } finally {
        await identity.stop();
      }
    } finally {
      await gateway.stop();
    }
  });

  test.serial('when the external device broker goes away, then /readyz is 503 naming the device listener, and 200 again once it is back', async (t) => {
    const deviceBroker = await startMosquitto({ dynsec });
    const proxy = await tcpProxy(deviceBroker.port);
    const config = externalConfig(deviceBroker);
    const host = await startTestHost({ config: { ...config, 'edge.url': proxied(config['edge.url'], proxy) } });
    try {
      await cutAndRestore(t, host, proxy, 'edge');
    } finally {
      await host.stop();
      await proxy.close();
      await deviceBroker.stop();
    }
  });
}

if (broker.available) {
  test.serial('when the bus broker comes back, then the reconnect is logged with the broker but without the password of its URL', async (t) => {
    const proxy = await tcpProxy(broker.port);
    const lines: string[] = [];
    const url = `mqtt://bus-user:s3cret-bus-password@127.0.0.1:${new URL(proxy.url).port}`;
    const host = await startTestHost({
      config: { 'bus.transport': 'mqtt', 'bus.mqtt.url': url, 'bus.namespace': `r${randomBytes(4).toString('hex')}` },
      logTo: { write: (line: string) => void lines.push(line) },
    });
    try {
      proxy.pause();
      await readyzBecomes(host, 503);
      proxy.resume();
      const reconnected = await eventually(async () => lines.find((line) => line.includes('MQTT reconnected')), 10_000, 'the reconnect line');
      t.true(reconnected.includes(`127.0.0.1:${new URL(proxy.url).port}`), reconnected);
      t.deepEqual(lines.filter((line) => line.includes('s3cret-bus-password')), []);
    } finally {
      await host.stop();
      await proxy.close();
    }
  });
}
