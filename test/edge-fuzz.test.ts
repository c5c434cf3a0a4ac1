import test from 'ava';
import fc from 'fast-check';
import { connectDevice, getJson, registerDevice } from './support/devices.js';
import { startTestHost } from './support/host.js';

const edge = { 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1', 'edge.maxPayloadBytes': 4096 };

/** Payloads near the shape of the contract, and plain junk. */
const reading = fc.record(
  {
    ts: fc.oneof(fc.integer(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string(), fc.constant(null)),
    id: fc.oneof(fc.string(), fc.integer()),
    metrics: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.double(), fc.integer(), fc.string(), fc.boolean())), fc.anything()),
  },
  { requiredKeys: [] },
);
const payload = fc.oneof(
  reading.map((r) => JSON.stringify(r)),
  fc.array(reading, { maxLength: 5 }).map((r) => JSON.stringify(r)),
  fc.json(),
  fc.string(),
  fc.uint8Array({ maxLength: 5000 }).map((bytes) => Buffer.from(bytes)),
);
const suffix = fc.oneof(
  fc.constant('telemetry'),
  fc.constant('status'),
  fc.stringMatching(/^events\/[a-z]{1,8}$/),
  fc.stringMatching(/^[a-z/]{1,20}$/).filter((s) => !s.includes('//') && !s.endsWith('/')),
);

function isStatus(body: string | Buffer): boolean {
  try {
    return typeof (JSON.parse(body.toString()) as { online?: unknown })?.online === 'boolean';
  } catch {
    return false;
  }
}

test('when an authenticated device publishes arbitrary payloads and topics, then the host survives and each message is stored or rejected with a reason', async (t) => {
  const host = await startTestHost({ config: edge });
  try {
    const device = await registerDevice(host);
    const client = await connectDevice(host, device);
    let handed = 0;
    await fc.assert(
      fc.asyncProperty(suffix, payload, async (tail, body) => {
        await client.publishAsync(`v1/devices/${device.id}/${tail}`, body, { qos: 1 });
        if (!(tail === 'status' && isStatus(body))) handed++;
      }),
      { numRuns: 150 },
    );
    t.true(client.connected, 'the device stayed connected');
    const { rejections } = await getJson<{ rejections: Array<{ code: string; reason: string }> }>(host, `/api/telemetry/rejections?deviceId=${device.id}&limit=10000`);
    t.true(rejections.every((r) => r.code.length > 0 && r.reason.length > 0), 'every rejection says why');
    const metrics = await (await fetch(`${host.url}/metrics`)).text();
    const count = (outcome: string) => Number(new RegExp(`cleave_edge_messages_total\\{outcome="${outcome}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    t.is(count('accepted') + count('rejected'), handed, 'every message was either stored or rejected');
    t.is(rejections.length, count('rejected'), 'every rejection was recorded');
    const health = await fetch(`${host.url}/readyz`);
    t.is(health.status, 200);
    client.end(true);
  } finally {
    await host.stop();
  }
});
