import test from 'ava';
import { connectDevice, getJson, registerDevice } from './support/devices.js';
import { eventually, startTestHost, type TestHost } from './support/host.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

const stores = (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];

/** A linger long enough that two devices publishing together always share one commit group. */
const edge = { 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1', 'edge.batch.lingerMs': 250 };

type Rejection = { code: string; reason: string; topic: string };

/** Messages that once failed the whole commit group they were in: each must now be refused alone. */
const poisons = [
  {
    what: 'an event nested 6000 levels deep',
    topic: (id: string) => `v1/devices/${id}/events/deep`,
    payload: `{"data":${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}}`,
    code: 'INVALID_PAYLOAD',
  },
  { what: 'a topic of 1100 characters in its own tree', topic: (id: string) => `v1/devices/${id}/events/${'x'.repeat(1100)}`, payload: '{"data":{}}', code: 'UNSUPPORTED_TOPIC' },
  { what: 'a NUL character in a message id', topic: (id: string) => `v1/devices/${id}/telemetry`, payload: '{"id":"a\\u0000b","metrics":{"t":1}}', code: 'INVALID_PAYLOAD' },
  { what: 'a NUL byte in the payload', topic: (id: string) => `v1/devices/${id}/telemetry`, payload: '{"metrics":{"t":1}}\u0000', code: 'MALFORMED_JSON' },
  { what: 'a NUL character in an event type', topic: (id: string) => `v1/devices/${id}/events/a\u0000b`, payload: '{"data":{}}', code: 'UNSUPPORTED_TOPIC' },
];

/** Waits for every promise, failing at once past `ms` rather than at the test's timeout. */
async function within(ms: number, what: string, pending: Array<Promise<unknown>>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  try {
    await Promise.race([Promise.all(pending), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function withHost(store: string, run: (host: TestHost) => Promise<void>) {
  const database = store === 'postgres' ? await createDatabase() : undefined;
  const host = await startTestHost({ config: { ...edge, 'db.url': database?.url ?? '' } });
  try {
    await run(host);
  } finally {
    await host.stop();
    await database?.drop();
  }
}

for (const store of stores) {
  test.serial(`[${store}] when a device publishes a poison message in the same commit group as another device, then the other gets its PUBACK and its reading, and the poison is refused alone`, async (t) => {
    await withHost(store, async (host) => {
      const [poisoner, bystander] = [await registerDevice(host), await registerDevice(host)];
      const [bad, good] = [await connectDevice(host, poisoner), await connectDevice(host, bystander)];
      for (const [index, poison] of poisons.entries()) {
        await within(10_000, `the PUBACKs around ${poison.what}`, [
          bad.publishAsync(poison.topic(poisoner.id), poison.payload, { qos: 1 }),
          good.publishAsync(`v1/devices/${bystander.id}/telemetry`, JSON.stringify({ ts: 1_700_000_000_000 + index, metrics: { case: index } }), { qos: 1 }),
        ]);
        const { readings } = await getJson<{ readings: Array<{ value: number }> }>(host, `/api/telemetry/devices/${bystander.id}/readings?limit=100`);
        t.true(readings.some((r) => r.value === index), `${poison.what}: the bystander's reading is stored`);
        const { rejections } = await eventually(async () => {
          const found = await getJson<{ rejections: Rejection[] }>(host, `/api/telemetry/rejections?deviceId=${poisoner.id}&limit=100`);
          return found.rejections.length === index + 1 ? found : undefined;
        }, 5000, `the rejection of ${poison.what}`);
        t.is(rejections[0].code, poison.code, `${poison.what}: ${rejections[0].reason}`);
        t.false(rejections[0].topic.includes('\u0000'));
      }
      t.true(good.connected && bad.connected, 'neither device was disconnected');
      bad.end(true);
      good.end(true);
    });
  });
}
