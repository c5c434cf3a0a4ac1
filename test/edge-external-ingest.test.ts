import { rmSync } from 'node:fs';
import { modules } from '../modules/index.js';
import { CleaveError } from '../src/errors.js';
import { declaredTopics, type ModuleDefinition } from '../src/kernel/module.js';
import { getJson, nextMessage, registerDevice } from './support/devices.js';
import { startTestHost } from './support/host.js';
import { startMosquitto } from './support/mosquitto.js';
import { connectWhenProvisioned, dynsec, external, externalConfig, publishReading, storedValues, withExternal } from './support/external-broker.js';

type Rejection = { code: string; reason: string };

external('when a registered device publishes to the external broker with its secret, then its telemetry is stored and queryable', async (t) => {
  await withExternal(async (host, mosquitto) => {
    const device = await registerDevice(host);
    const client = await connectWhenProvisioned(mosquitto, device);
    await publishReading(client, device.id, { temperature: 21.5 });
    t.deepEqual(await storedValues(host, device.id, 1), [21.5]);
    client.end(true);
  });
});

external('when a device publishes a malformed payload, then it is recorded as rejected and reported on its errors topic', async (t) => {
  await withExternal(async (host, mosquitto) => {
    const device = await registerDevice(host);
    const client = await connectWhenProvisioned(mosquitto, device);
    await client.subscribeAsync(`v1/devices/${device.id}/errors`, { qos: 1 });
    const report = nextMessage(client, `v1/devices/${device.id}/errors`);
    await client.publishAsync(`v1/devices/${device.id}/telemetry`, '{"metrics": {', { qos: 1 });
    t.like(await report, { code: 'MALFORMED_JSON' });
    const { rejections } = await getJson<{ rejections: Rejection[] }>(host, `/api/telemetry/rejections?deviceId=${device.id}`);
    t.deepEqual(rejections.map((r) => r.code), ['MALFORMED_JSON']);
    await publishReading(client, device.id, { temperature: 3 });
    t.deepEqual(await storedValues(host, device.id, 1), [3], 'ingestion goes on');
    client.end(true);
  });
});

/** The build's modules, with the operation behind the `telemetry` topic kind failing on its first call. */
function failingFirstIngest(calls: { count: number }): ModuleDefinition[] {
  return modules.map((definition) => {
    const operation = declaredTopics(definition).telemetry;
    if (!operation) return definition;
    const factory = definition.handlers[operation];
    const flaky = (deps: unknown) => {
      const ingest = factory(deps);
      return async (input: unknown, ctx: unknown) => {
        calls.count += 1;
        if (calls.count === 1) throw new CleaveError('UNAVAILABLE', 'injected commit failure');
        return ingest(input as never, ctx as never);
      };
    };
    return { ...definition, handlers: { ...definition.handlers, [operation]: flaky } };
  });
}

external('when a commit fails, then the message is not acknowledged to the broker, comes again, and is stored once', async (t) => {
  const calls = { count: 0 };
  await withExternal(
    async (host, mosquitto) => {
      const device = await registerDevice(host);
      const client = await connectWhenProvisioned(mosquitto, device);
      await client.publishAsync(`v1/devices/${device.id}/telemetry`, JSON.stringify({ id: 'm-1', ts: 1_700_000_000_000, metrics: { temperature: 5 } }), { qos: 1 });
      t.deepEqual(await storedValues(host, device.id, 1), [5]);
      t.true(calls.count >= 2, `ingest was called ${calls.count} times`);
      await publishReading(client, device.id, { temperature: 6 }, 1_700_000_001_000);
      t.deepEqual(await storedValues(host, device.id, 2), [6, 5], 'stored once, and later messages still flow');
      client.end(true);
    },
    { modules: failingFirstIngest(calls) },
  );
});

external('when the host stops while a device streams and starts again, then every reading is stored once', async (t) => {
  const mosquitto = await startMosquitto({ dynsec });
  t.teardown(() => mosquitto.stop());
  // The device streams as fast as it can: lift the per-device rate limit, which is not what this test is about.
  const config = { ...externalConfig(mosquitto), 'edge.maxMessagesPerSecond': 1_000_000 };
  let host = await startTestHost({ config });
  const dataDir = host.dataDir;
  const device = await registerDevice(host);
  const client = await connectWhenProvisioned(mosquitto, device);
  try {
    const total = 300;
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      sent.push(publishReading(client, device.id, { n: i }, 1_700_000_000_000 + i));
      if (i === 100) await host.host.stop();
      if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(sent);
    host = await startTestHost({ config, dataDir });
    const values = await storedValues(host, device.id, total);
    t.is(values.length, total);
    t.is(new Set(values).size, total);
  } finally {
    client.end(true);
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
