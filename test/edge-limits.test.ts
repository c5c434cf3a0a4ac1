import test from 'ava';
import { closed, connectDevice, getJson, nextMessage, registerDevice } from './support/devices.js';
import { eventually, startTestHost } from './support/host.js';

const edge = { 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1', 'edge.maxMessagesPerSecond': 10 };

test('when a device publishes faster than edge.maxMessagesPerSecond, then the excess is acknowledged and refused as RATE_LIMITED, recorded at most once a second, and the device stays connected', async (t) => {
  const host = await startTestHost({ config: edge });
  try {
    const device = await registerDevice(host);
    const client = await connectDevice(host, device);
    await client.subscribeAsync(`v1/devices/${device.id}/errors`, { qos: 1 });
    const reported = nextMessage(client, `v1/devices/${device.id}/errors`);
    const started = Date.now();

    const sent = Array.from({ length: 100 }, (_, i) =>
      client.publishAsync(`v1/devices/${device.id}/telemetry`, JSON.stringify({ ts: 1_700_000_000_000 + i, metrics: { n: i } }), { qos: 1 }),
    );
    await Promise.all(sent);
    const seconds = Math.ceil((Date.now() - started) / 1000);

    t.like(await reported, { code: 'RATE_LIMITED' });
    const { readings } = await getJson<{ readings: unknown[] }>(host, `/api/telemetry/devices/${device.id}/readings?limit=1000`);
    t.true(readings.length >= 10 && readings.length <= 10 + 10 * seconds, `${readings.length} readings stored in ${seconds} s`);
    const { rejections } = await getJson<{ rejections: Array<{ code: string }> }>(host, `/api/telemetry/rejections?deviceId=${device.id}`);
    t.true(rejections.length >= 1 && rejections.length <= seconds, `${rejections.length} rejections recorded in ${seconds} s`);
    t.true(rejections.every((r) => r.code === 'RATE_LIMITED'));
    t.true(client.connected);

    const later = await eventually(async () => {
      await client.publishAsync(`v1/devices/${device.id}/telemetry`, JSON.stringify({ ts: 1_800_000_000_000, metrics: { n: -1 } }), { qos: 1 });
      const latest = await getJson<{ readings: Array<{ value: number }> }>(host, `/api/telemetry/devices/${device.id}/readings?metric=n&limit=1`);
      return latest.readings[0]?.value === -1 ? true : undefined;
    }, 5000, 'a message within the rate to be stored again');
    t.true(later);
    client.end(true);
    await closed(client);
  } finally {
    await host.stop();
  }
});
