import test from 'ava';
import { readPresence } from '../src/bus/presence.js';
import { cleave, sandbox } from './fixtures/cli-run.js';
import { mosquittoForFile } from './support/broker-per-file.js';
import { processGroups } from './support/deployments.js';
import { adminEmail, adminPassword, eventually } from './support/host.js';

const broker = mosquittoForFile('circuit breaker tests');

const requestTimeoutMs = 1000;
const failures = 2;
const halfOpenAfterMs = 3000;

/** One gateway metric's value, e.g. `cleave_bus_circuit_state{module="telemetry"}`. */
async function metric(base: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Logs in as the admin at `base`; returns a GET that carries the token. */
async function viewer(base: string): Promise<(path: string) => Promise<Response>> {
  const login = await fetch(`${base}/api/identity/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: adminEmail, password: adminPassword }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  return (path) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
}

if (broker.available) {
  test('when the only telemetry process hangs, then after the first timeouts the gateway answers 503 at once, and once it resumes, calls succeed within the half-open interval', async (t) => {
    const env = {
      CLEAVE_BUS_TIMEOUT_MS: String(requestTimeoutMs),
      CLEAVE_BUS_BREAKER_FAILURES: String(failures),
      CLEAVE_BUS_BREAKER_HALF_OPEN_AFTER_MS: String(halfOpenAfterMs),
    };
    const split = await processGroups({ mqttUrl: broker.url, env }, [['identity', 'devices', 'alerts', 'commands'], ['telemetry']]);
    const telemetry = split.pid('telemetry');
    t.teardown(async () => {
      try {
        process.kill(telemetry, 'SIGCONT');
      } catch {
        // already gone
      }
      await split.stop();
    });
    const get = await viewer(split.url);
    const rejections = async () => {
      const res = await get('/api/telemetry/rejections');
      await res.arrayBuffer();
      return res;
    };
    t.is((await rejections()).status, 200, 'telemetry answers through the gateway before the fault');
    const gateway = `${split.namespace}-gateway`;
    const state = `cleave_bus_circuit_state{module="telemetry"}`;

    process.kill(telemetry, 'SIGSTOP');

    const timedOut: number[] = [];
    for (let i = 0; i < failures; i++) timedOut.push((await rejections()).status);
    t.deepEqual(timedOut, Array(failures).fill(504), 'the first calls wait for the request timeout');
    const started = performance.now();
    const res = await get('/api/telemetry/rejections');
    const problem = (await res.json()) as { code: string; detail: string };
    const ms = performance.now() - started;
    t.is(res.status, 503);
    t.log(`refused in ${ms.toFixed(1)} ms`);
    t.true(ms < 50, `answered in ${ms.toFixed(1)} ms`);
    t.is(res.headers.get('content-type'), 'application/problem+json');
    t.is(problem.code, 'UNAVAILABLE');
    t.regex(problem.detail, /module "telemetry"/);
    const retryAfter = Number(res.headers.get('retry-after'));
    t.true(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= halfOpenAfterMs / 1000, `Retry-After: ${res.headers.get('retry-after')}`);
    t.is(await metric(split.url, state), 1, 'the gateway\'s /metrics shows the circuit open');
    t.true((await metric(split.url, `cleave_bus_circuit_refused_total{module="telemetry"}`))! >= 1);
    const presence = await eventually(async () => {
      const found = (await readPresence(broker.url, split.namespace)).find((i) => i.instanceId === gateway);
      return found?.circuits?.telemetry ? found : undefined;
    }, 5000, 'the gateway\'s presence to show its open circuit');
    t.deepEqual(presence.circuits, { telemetry: 'open' });
    const status = await cleave(sandbox(t, { CLEAVE_BUS_NAMESPACE: split.namespace }), 'status', '--mqtt-url', broker.url);
    t.is(status.code, 0, status.stderr);
    t.regex(status.stdout, new RegExp(`^${gateway}\\s.*\\stelemetry open$`, 'm'), 'cleave status shows it in the CIRCUITS column');

    process.kill(telemetry, 'SIGCONT');
    const resumed = performance.now();

    await eventually(async () => ((await rejections()).status === 200 ? true : undefined), halfOpenAfterMs + requestTimeoutMs + 1000, 'a call to succeed again');
    t.log(`first success ${(performance.now() - resumed).toFixed(0)} ms after SIGCONT`);
    t.is(await metric(split.url, state), 0, 'the circuit is closed again');
    await eventually(async () => {
      const found = (await readPresence(broker.url, split.namespace)).find((i) => i.instanceId === gateway);
      return found && !found.circuits ? true : undefined;
    }, 5000, 'the gateway\'s presence to drop the closed circuit');
  });
}
