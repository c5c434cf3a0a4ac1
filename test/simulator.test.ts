import test from 'ava';
import { simulate, type SimulationReport } from '../src/edge/simulator.js';
import { telemetryContract } from '../modules/telemetry/contract.js';
import { registerDevice } from './support/devices.js';
import { startTestHost } from './support/host.js';

const edge = { 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1' };

test('when a simulation reports intervals, then they add up to its totals, a second run on the same devices is stored too, and a warm-up is sent but not timed', async (t) => {
  const h = await startTestHost({ config: edge });
  t.teardown(() => h.stop());
  const devices = [await registerDevice(h), await registerDevice(h)];
  const options = { url: `mqtt://127.0.0.1:${h.host.edgePort}`, devices, rate: 20, qos: 1 as const, durationMs: 1200, intervalMs: 400 };

  const intervals: SimulationReport[] = [];
  const first = await simulate({ ...options, onInterval: (interval) => intervals.push(interval) });
  const second = await simulate(options);
  const warmingUp = await simulate({ ...options, warmupMs: options.durationMs });

  t.true(intervals.length >= 2);
  const sum = (key: 'sent' | 'acknowledged' | 'rejected' | 'failed') => intervals.reduce((total, interval) => total + interval[key], 0);
  t.deepEqual({ sent: sum('sent'), acknowledged: sum('acknowledged'), rejected: sum('rejected'), failed: sum('failed') }, { sent: first.sent, acknowledged: first.acknowledged, rejected: 0, failed: 0 });
  t.true(intervals.every((interval) => interval.p99 >= interval.p50 && interval.elapsedMs > 0));
  const telemetry = h.host.bus.client(telemetryContract, { principal: { sub: 'test', role: 'admin' } });
  let stored = 0;
  for (const { id } of devices) stored += (await telemetry.listReadings({ id, metric: 'temperature', limit: 10_000 })).readings.length;
  t.is(stored, first.acknowledged + second.acknowledged + warmingUp.acknowledged);
  t.true(first.p50 > 0);
  t.true(warmingUp.acknowledged > 0);
  t.deepEqual([warmingUp.p50, warmingUp.p99], [0, 0]);
});
