import test from 'ava';
import { eventually, startTestHost } from '../../../test/support/host.js';
import { telemetryContract } from '../contract.js';

const day = 86_400_000;
const rejectionAt = (receivedAt: number) => ({ deviceId: 'd1', topic: 'v1/devices/d1/telemetry', code: 'MALFORMED_JSON', reason: 'payload is not valid JSON', payload: 'not json', receivedAt });

test('when a rejection is older than telemetry.rejectionsRetentionDays, then it is neither listed nor kept in the store', async (t) => {
  const host = await startTestHost({ config: { 'telemetry.rejectionsRetentionDays': 2 } });
  try {
    const record = (receivedAt: number) => host.host.bus.client(telemetryContract, { principal: { sub: 'test', role: 'system' } }).recordRejections({ rejections: [rejectionAt(receivedAt)] });
    const admin = await host.login();
    const listed = async () => {
      const res = await fetch(`${host.url}/api/telemetry/rejections?deviceId=d1`, { headers: { authorization: `Bearer ${admin}` } });
      return ((await res.json()) as { rejections: Array<{ receivedAt: string }> }).rejections.map((r) => r.receivedAt);
    };
    const old = Date.now() - 3 * day;
    const recent = Date.now() - day;

    await record(old);
    await record(recent);
    t.deepEqual(await listed(), [new Date(recent).toISOString()]);

    const stored = () => host.host.database('telemetry')!('rejections').pluck('received_at');
    await eventually(async () => ((await stored()).map(Number).join() === String(recent) ? true : undefined), 5000, 'the old rejection to be pruned');
    t.deepEqual(await listed(), [new Date(recent).toISOString()]);
  } finally {
    await host.stop();
  }
});
