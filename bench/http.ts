import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { eachRepeat, inTurns, positiveNumber, spawnNode, type Child } from './repeat.js';
import type { Row } from './table.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const seconds = positiveNumber(process.env.BENCH_HTTP_SECONDS ?? '8', 'BENCH_HTTP_SECONDS');
const connections = 50;
const admin = { CLEAVE_IDENTITY_ADMIN_EMAIL: 'bench@example.test', CLEAVE_IDENTITY_ADMIN_PASSWORD: 'bench-password' };

/** A server in its own process, with the URL it printed (`ready <url>`, or the host's ready log line). */
async function launch(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<Child & { url: string }> {
  const server = spawnNode(script, args, env);
  const url = await server.waitFor((line) => /^ready (http:\S+)/.exec(line)?.[1] ?? /"http":"(http:[^"]+)"/.exec(line)?.[1]);
  return { ...server, url };
}

/** Linux's clock ticks a second, the unit of the CPU times in `/proc/<pid>/stat`. */
const ticksPerSecond = 100;

/** CPU time (user and system) a process has used so far, in microseconds; NaN where `/proc` is not there. */
function cpuMicros(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** A route to load: its URL, the headers each request carries, and the server process's pid. */
interface Target {
  url: string;
  pid: number;
  headers?: Record<string, string>;
}

/** What loading a target cost its server so far: CPU microseconds and requests answered. */
type Cost = { cpu: number; requests: number };

/**
 * Requests per second over `duration` seconds from autocannon, run here: every server it loads is a process of its
 * own. Adds the server's CPU time and the requests to `cost`.
 */
async function load(target: Target, duration: number, cost: Cost): Promise<number> {
  const before = cpuMicros(target.pid);
  const result = await autocannon({ url: target.url, connections, duration, headers: target.headers ?? {} });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${target.url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  cost.cpu += cpuMicros(target.pid) - before;
  cost.requests += result.requests.total;
  return result.requests.total / duration;
}

/**
 * Requests per second of a baseline route and a Cleave route, each loaded for `seconds` in all, in turns of one
 * second after a turn of warm-up each, and the server CPU time each request took (µs) in the timed turns: steadier
 * than the rate on a shared machine, where the load generator and the server compete for the same cores.
 */
async function compare(baseline: Target, subject: Target): Promise<{ rates: [number, number]; cpu: [number, number] }> {
  const warm: Cost = { cpu: 0, requests: 0 };
  await inTurns(1, () => load(baseline, 1, warm), () => load(subject, 1, warm));
  const costs: [Cost, Cost] = [{ cpu: 0, requests: 0 }, { cpu: 0, requests: 0 }];
  const rates = await inTurns(Math.max(2, Math.round(seconds)), () => load(baseline, 1, costs[0]), () => load(subject, 1, costs[1]));
  return { rates, cpu: [costs[0].cpu / costs[0].requests, costs[1].cpu / costs[1].requests] };
}

async function token(url: string): Promise<string> {
  const res = await fetch(`${url}/api/identity/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin.CLEAVE_IDENTITY_ADMIN_EMAIL, password: admin.CLEAVE_IDENTITY_ADMIN_PASSWORD }),
  });
  return ((await res.json()) as { token: string }).token;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** Milliseconds from spawning `cleave start` (device broker on a free port) to `/readyz` 200, and its RSS after 2 s idle. */
async function start(dataDir: string): Promise<{ ms: number; rssMb: number }> {
  const started = performance.now();
  const cleave = await launch(here('../../bin/cleave'), ['start'], {
    ...admin, CLEAVE_DATA_DIR: dataDir, CLEAVE_HTTP_PORT: '0', CLEAVE_HTTP_HOST: '127.0.0.1', CLEAVE_LOG_LEVEL: 'info',
    CLEAVE_EDGE: 'embedded', CLEAVE_EDGE_PORT: '0', CLEAVE_EDGE_HOST: '127.0.0.1',
  });
  try {
    while ((await fetch(`${cleave.url}/readyz`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 5));
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return { ms, rssMb: rssMb(cleave.child.pid!) };
  } finally {
    await cleave.stop();
  }
}

/**
 * HTTP, each server in its own process and autocannon in this one: a constant route through every kernel middleware
 * against bare koa + @koa/router, and `GET /api/identity/me` (one row read) against koa + @koa/router +
 * better-sqlite3, each pair loaded in turns; then `cleave start` to ready on a fresh and on an existing data
 * folder, and the idle RSS.
 */
export async function benchHttp(): Promise<Row[]> {
  const bare = await launch(here('./fixtures/bare-koa.js'));
  const bareSqlite = await launch(here('./fixtures/bare-koa-sqlite.js'));
  const cleave = await launch(here('./fixtures/cleave-host.js'));
  try {
    const auth = { authorization: `Bearer ${await token(cleave.url)}` };
    const samples = await eachRepeat('http', async (s) => {
      const pid = (server: Child) => server.child.pid!;
      const constant = await compare({ url: `${bare.url}/hello`, pid: pid(bare) }, { url: `${cleave.url}/api/ping/hello`, pid: pid(cleave), headers: auth });
      s.add('bare', constant.rates[0]);
      s.add('constant', constant.rates[1]);
      s.add('bare cpu', constant.cpu[0]);
      s.add('constant cpu', constant.cpu[1]);
      const me = await compare({ url: `${bareSqlite.url}/me`, pid: pid(bareSqlite) }, { url: `${cleave.url}/api/identity/me`, pid: pid(cleave), headers: auth });
      s.add('bare sqlite', me.rates[0]);
      s.add('me', me.rates[1]);
      s.add('bare sqlite cpu', me.cpu[0]);
      s.add('me cpu', me.cpu[1]);
      const dataDir = mkdtempSync(join(tmpdir(), 'cleave-bench-start-'));
      try {
        const fresh = await start(dataDir);
        const existing = await start(dataDir);
        s.add('start fresh', fresh.ms);
        s.add('start existing', existing.ms);
        s.add('rss', fresh.rssMb);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
    const bench = 'http';
    // Without /proc (not Linux) the CPU times are not known, and their rows are left out.
    const cpuRows: Row[] = samples.get('me cpu').some(Number.isNaN) ? [] : [
      { bench, case: 'server CPU a request: bare koa + @koa/router (baseline)', values: samples.get('bare cpu'), unit: 'µs' },
      { bench, case: 'server CPU a request: authenticated constant route', values: samples.get('constant cpu'), unit: 'µs', baseline: samples.get('bare cpu') },
      { bench, case: 'server CPU a request: koa + better-sqlite3 one-row read (baseline)', values: samples.get('bare sqlite cpu'), unit: 'µs' },
      { bench, case: 'server CPU a request: GET /api/identity/me with a token', values: samples.get('me cpu'), unit: 'µs', baseline: samples.get('bare sqlite cpu') },
    ];
    return [
      { bench, case: `bare koa + @koa/router JSON route, ${connections} connections (baseline)`, values: samples.get('bare'), unit: 'req/s' },
      { bench, case: 'authenticated constant route, all kernel middleware + bus', values: samples.get('constant'), unit: 'req/s', baseline: samples.get('bare'), target: { atLeastX: 0.8 } },
      { bench, case: 'koa + @koa/router + better-sqlite3 prepared one-row read (baseline)', values: samples.get('bare sqlite'), unit: 'req/s' },
      { bench, case: 'GET /api/identity/me with a token (one row read)', values: samples.get('me'), unit: 'req/s', baseline: samples.get('bare sqlite'), target: { atLeastX: 0.7 } },
      ...cpuRows,
      { bench, case: 'cleave start to /readyz 200, fresh data dir, device broker on', values: samples.get('start fresh'), unit: 'ms', target: { atMost: 1000 } },
      { bench, case: 'cleave start to /readyz 200, existing data dir, device broker on', values: samples.get('start existing'), unit: 'ms', target: { atMost: 500 } },
      { bench, case: 'idle RSS 2 s after start', values: samples.get('rss'), unit: 'MB', target: { atMost: 120 } },
    ];
  } finally {
    await Promise.all([bare.stop(), bareSqlite.stop(), cleave.stop()]);
  }
}
