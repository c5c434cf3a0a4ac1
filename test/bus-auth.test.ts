import test from 'ava';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { envelope, type Principal } from '../src/bus/envelope.js';
import type { MqttTransport } from '../src/bus/mqtt-transport.js';
import { BusSeal } from '../src/bus/seal.js';
import type { CleaveError } from '../src/errors.js';
import { startBusBroker } from '../src/cli/split/bus-broker.js';
import { alertsContract } from '../modules/alerts/contract.js';
import { devicesContract } from '../modules/devices/contract.js';
import { identityContract } from '../modules/identity/contract.js';
import type { ModuleDefinition } from '../src/kernel/module.js';
import identity from '../modules/identity/index.js';
import ledger from './fixtures/modules/ledger/index.js';
import audit from './fixtures/modules/audit/index.js';
import { auditContract } from './fixtures/modules/audit/contract.js';
import { ledgerContract } from './fixtures/modules/ledger/contract.js';
import { mosquittoForFile } from './support/broker-per-file.js';
import { connectDevice, registerDevice } from './support/devices.js';
import { eventually, startTestHost, type TestHost } from './support/host.js';

const broker = mosquittoForFile('bus authentication tests');
const viewer: Principal = { sub: 'v-1', role: 'viewer' };
const operator: Principal = { sub: 'o-1', role: 'operator' };
const wrongKey = 'not-the-bus-key-0123456789abcdef01234567';

/** Hosts of one test share a namespace on `url`; all are stopped after the test. */
function deployment(url: string) {
  const namespace = `t${randomBytes(4).toString('hex')}`;
  const hosts: TestHost[] = [];
  return {
    namespace,
    prefix: `cleave/${namespace}/`,
    async start(modules: string, config: Record<string, unknown> = {}, definitions?: ModuleDefinition[]) {
      const host = await startTestHost({ modules: definitions, config: { modules, 'bus.transport': 'mqtt', 'bus.mqtt.url': url, 'bus.namespace': namespace, ...config } });
      hosts.push(host);
      return host;
    },
    stop: () => Promise.all(hosts.map((h) => h.stop())),
  };
}

const dropped = (h: TestHost) => (h.host.bus.transport as MqttTransport).dropped;
const untilDropped = (h: TestHost, n: number) => eventually(async () => (dropped(h) >= n ? true : undefined), 5000, `${n} dropped messages`);
const untilHosted = (h: TestHost, module: string) => eventually(async () => (h.host.bus.transport.hosts?.(module) ? true : undefined), 5000, `a host of ${module}`);
const attacker = (url: string) => mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });

async function loginStatus(h: TestHost, email: string, password: string): Promise<number> {
  const res = await fetch(`${h.url}/api/identity/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return res.status;
}

/** Publishes `createUser` with the admin role as a viewer would forge it: unsealed, and sealed with a wrong key. */
async function forgeCreateUser(client: MqttClient, prefix: string, namespace: string, email: string): Promise<string[]> {
  const replies: string[] = [];
  const replyto = `${prefix}rep/forger`;
  await client.subscribeAsync(replyto, { qos: 1 });
  client.on('message', (topic, payload) => topic === replyto && replies.push(payload.toString()));
  for (const seal of [(json: string) => json, (json: string) => new BusSeal(wrongKey, namespace).seal(json)]) {
    const request = envelope('identity@forger', 'identity.createUser', { email, password: 'forged-password', role: 'admin' }, { principal: { sub: 'v-1', role: 'admin' } });
    const payload = seal(JSON.stringify({ ...request, deadline: Date.now() + 5000, replyto }));
    await client.publishAsync(`${prefix}req/identity/createUser`, payload, { qos: 1 });
  }
  return replies;
}

if (broker.available) {
  test.serial('when an anonymous client publishes createUser with the admin role, then no user is made and nobody logs in as it', async (t) => {
    const d = deployment(broker.url);
    const client = await attacker(broker.url);
    try {
      const h = await d.start('identity');
      const replies = await forgeCreateUser(client, d.prefix, d.namespace, 'forged@example.test');
      await untilDropped(h, 2);
      t.deepEqual(replies, [], 'no reply to a forged request');
      t.is(await loginStatus(h, 'forged@example.test', 'forged-password'), 401);
    } finally {
      await client.endAsync();
      await d.stop();
    }
  });

  test.serial('when a client holding broker credentials but not the bus key publishes createUser, then no user is made', async (t) => {
    const bus = await startBusBroker();
    const d = deployment(bus.url);
    const client = await attacker(bus.url);
    try {
      const h = await d.start('identity');
      const replies = await forgeCreateUser(client, d.prefix, d.namespace, 'insider@example.test');
      await untilDropped(h, 2);
      t.deepEqual(replies, []);
      t.is(await loginStatus(h, 'insider@example.test', 'forged-password'), 401);
    } finally {
      await client.endAsync();
      await d.stop();
      await bus.close();
    }
  });

  test.serial('when a forger answers a gateway\'s authenticateDevice with ok, then a device with a wrong secret is still refused', async (t) => {
    const d = deployment(broker.url);
    const client = await attacker(broker.url);
    try {
      const devices = await d.start('identity,devices');
      const gateway = await d.start('none', { 'http.gateway': true, 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1' });
      await untilHosted(gateway, 'devices');
      const device = await registerDevice(devices);
      await client.subscribeAsync(`${d.prefix}req/devices/authenticateDevice`, { qos: 1 });
      client.on('message', (_topic, payload) => {
        const { id, replyto } = JSON.parse(payload.toString()) as { id: string; replyto: string };
        void client.publishAsync(replyto, JSON.stringify({ id, ok: true, data: { ok: true } }), { qos: 1 });
      });

      const refused = await connectDevice(gateway, { id: device.id, secret: 'wrong-secret' }).then(
        (c) => (c.end(true), undefined),
        (err: { code?: number }) => err.code,
      );

      t.is(refused, 4);
      t.true(dropped(gateway) >= 1, 'the forged reply was dropped');
      const good = await connectDevice(gateway, device);
      t.true(good.connected, 'the right secret still works');
      good.end(true);
    } finally {
      await client.endAsync();
      await d.stop();
    }
  });

  test.serial('when a client without the key publishes readingsRecorded above a rule\'s threshold, then no alert is raised', async (t) => {
    const d = deployment(broker.url);
    const client = await attacker(broker.url);
    try {
      const h = await d.start('alerts');
      const alerts = h.host.bus.client(alertsContract, { principal: operator });
      await alerts.createRule({ name: 'hot', metric: 'temp', op: 'gt', threshold: 50 });
      const event = envelope('telemetry@forger', 'telemetry.readingsRecorded', { devices: [{ deviceId: 'd1', readings: [{ metric: 'temp', ts: new Date().toISOString(), value: 99 }] }] });
      await client.publishAsync(`${d.prefix}evt/telemetry/readingsRecorded`, JSON.stringify(event), { qos: 1 });
      await client.publishAsync(`${d.prefix}evt/telemetry/readingsRecorded`, new BusSeal(wrongKey, d.namespace).seal(JSON.stringify(event)), { qos: 1 });
      await untilDropped(h, 2);
      t.deepEqual((await alerts.listAlerts({})).alerts, []);
    } finally {
      await client.endAsync();
      await d.stop();
    }
  });

  test.serial('when a request is published again byte for byte, then it has no second effect', async (t) => {
    const d = deployment(broker.url);
    const client = await attacker(broker.url);
    try {
      const server = await d.start('alerts');
      const caller = await d.start('identity');
      await untilHosted(caller, 'alerts');
      const captured: Buffer[] = [];
      await client.subscribeAsync(`${d.prefix}req/alerts/createRule`, { qos: 1 });
      client.on('message', (_topic, payload) => captured.push(payload));
      await caller.host.bus.client(alertsContract, { principal: operator }).createRule({ name: 'once', metric: 'temp', op: 'gt', threshold: 1 });
      await eventually(async () => (captured.length ? true : undefined), 5000, 'the captured request');

      await client.publishAsync(`${d.prefix}req/alerts/createRule`, captured[0], { qos: 1 });
      await untilDropped(server, 1);

      const { rules } = await server.host.bus.client(alertsContract, { principal: viewer }).listRules({});
      t.deepEqual(rules.map((r) => r.name), ['once']);
    } finally {
      await client.endAsync();
      await d.stop();
    }
  });

  test.serial('when an event is published again byte for byte, then its consumer handles it once', async (t) => {
    const d = deployment(broker.url);
    const client = await attacker(broker.url);
    try {
      const h = await d.start('ledger,audit', {}, [ledger, audit]);
      const captured: Buffer[] = [];
      await client.subscribeAsync(`${d.prefix}evt/ledger/recorded`, { qos: 1 });
      client.on('message', (_topic, payload) => captured.push(payload));
      const entries = async (n: number) => eventually(async () => {
        const found = (await h.host.bus.client(auditContract).entries({})).entries;
        return found.length >= n ? found : undefined;
      }, 5000, `${n} audit entries`);
      await h.host.bus.client(ledgerContract).record({ amount: 1 });
      await entries(1);
      await eventually(async () => (captured.length ? true : undefined), 5000, 'the captured event');

      await client.publishAsync(`${d.prefix}evt/ledger/recorded`, captured[0], { qos: 1 });
      await h.host.bus.client(ledgerContract).record({ amount: 2 });

      t.deepEqual((await entries(2)).map((e) => e.amount), [1, 2]);
    } finally {
      await client.endAsync();
      await d.stop();
    }
  });

  test.serial('when a viewer calls an operator operation over MQTT, then PERMISSION_DENIED; without a principal, UNAUTHENTICATED', async (t) => {
    const d = deployment(broker.url);
    try {
      await d.start('devices');
      const caller = await d.start('identity');
      await untilHosted(caller, 'devices');
      const asViewer = await t.throwsAsync(caller.host.bus.client(devicesContract, { principal: viewer }).registerDevice({ name: 'x' }));
      const anonymous = await t.throwsAsync(caller.host.bus.client(devicesContract).listDevices({}));
      t.is((asViewer as CleaveError).code, 'PERMISSION_DENIED');
      t.is((anonymous as CleaveError).code, 'UNAUTHENTICATED');
    } finally {
      await d.stop();
    }
  });
}

test('when a viewer calls an operator operation in process, then PERMISSION_DENIED; without a principal, UNAUTHENTICATED', async (t) => {
  const h = await startTestHost();
  try {
    const asViewer = await t.throwsAsync(h.host.bus.client(devicesContract, { principal: viewer }).registerDevice({ name: 'x' }));
    const anonymous = await t.throwsAsync(h.host.bus.client(identityContract).listUsers({}));
    const deviceAuth = await t.throwsAsync(h.host.bus.client(devicesContract, { principal: { sub: 'a', role: 'admin' } }).authenticateDevice({ deviceId: 'd', secret: 's' }));
    t.is((asViewer as CleaveError).code, 'PERMISSION_DENIED');
    t.is((anonymous as CleaveError).code, 'UNAUTHENTICATED');
    t.is((deviceAuth as CleaveError).code, 'PERMISSION_DENIED', 'system operations are not for users, admins included');
  } finally {
    await h.stop();
  }
});

test('when a route lets in less than its operation needs, then the host does not start, naming both', async (t) => {
  const open = { ...identity, routes: [{ method: 'GET' as const, path: '/everyone', access: 'viewer' as const, operation: 'listUsers' }] };
  const error = await t.throwsAsync(startTestHost({ modules: [open] }));
  t.regex(error.message, /GET \/everyone .* lets in viewer, but operation "listUsers" needs admin/);
});

test('when an anonymous client or a wrong password connects to the split bus broker, then it is refused', async (t) => {
  const bus = await startBusBroker();
  try {
    const anonymous = await t.throwsAsync(mqtt.connectAsync(bus.address, { protocolVersion: 4, reconnectPeriod: 0 }));
    const wrong = await t.throwsAsync(mqtt.connectAsync(bus.address, { protocolVersion: 4, reconnectPeriod: 0, username: 'cleave-bus', password: 'guess' }));
    t.regex(anonymous.message, /Bad username or password|Not authorized/i);
    t.regex(wrong.message, /Bad username or password|Not authorized/i);
    const client = await mqtt.connectAsync(bus.url, { protocolVersion: 4, reconnectPeriod: 0 });
    t.true(client.connected, 'the generated credentials work');
    await client.endAsync();
  } finally {
    await bus.close();
  }
});
