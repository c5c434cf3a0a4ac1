import test from 'ava';
import { pino } from 'pino';
import { Pump } from '../src/bus/pump.js';
import { eventually } from './support/host.js';

const log = pino({ level: 'silent' });
const spacingMs = 20;

/** A pump whose passes record when they start and what had been asked for by then (nudges are numbered). */
function recordingPump() {
  let asked = 0;
  const passes: Array<{ at: number; upTo: number }> = [];
  const pump = new Pump(
    async () => {
      passes.push({ at: performance.now(), upTo: asked });
      await new Promise((resolve) => setTimeout(resolve, 2));
    },
    log,
    60_000,
    spacingMs,
  );
  const nudge = () => {
    asked += 1;
    pump.nudge();
  };
  return { pump, passes, nudge, asked: () => asked };
}

test('when a pump with spacing is nudged in a burst, then passes start that far apart, take several nudges each, and the last nudge gets a pass', async (t) => {
  const { pump, passes, nudge, asked } = recordingPump();
  pump.start();
  await eventually(async () => (passes.length === 1 ? true : undefined), 1000, 'the pass at start');
  const burstEnds = performance.now() + 5 * spacingMs;
  while (performance.now() < burstEnds) {
    nudge();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await eventually(async () => (passes.at(-1)!.upTo === asked() ? true : undefined), 1000, 'a pass after the last nudge');
  await pump.stop();
  t.true(passes.length >= 3, `${passes.length} passes`);
  t.true(passes.length < asked(), `${passes.length} passes for ${asked()} nudges`);
  for (let i = 1; i < passes.length; i++) {
    // Timers may fire up to a millisecond early by performance.now().
    t.true(passes[i].at - passes[i - 1].at >= spacingMs - 1, `pass ${i} started ${(passes[i].at - passes[i - 1].at).toFixed(1)} ms after the one before`);
  }
});

test('when an idle pump with spacing is nudged, then its pass starts at once', async (t) => {
  const { pump, passes, nudge } = recordingPump();
  pump.start();
  await eventually(async () => (passes.length === 1 ? true : undefined), 1000, 'the pass at start');
  await new Promise((resolve) => setTimeout(resolve, spacingMs * 2));
  const nudgedAt = performance.now();
  nudge();
  await eventually(async () => (passes.length === 2 ? true : undefined), 1000, 'the pass for the nudge');
  await pump.stop();
  t.true(passes[1].at - nudgedAt < spacingMs / 2, `started ${(passes[1].at - nudgedAt).toFixed(1)} ms after the nudge`);
});
