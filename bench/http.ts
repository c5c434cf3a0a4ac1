import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Row } from './table.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

function launch(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (http:\S+)/.exec(out) ?? /"http":"(http:[^"]+)"/.exec(out);
      if (match) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function load(url: string, headers: Record<string, string> = {}): Promise<number> {
  const result = await autocannon({ url, connections: 50, duration: 8, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

async function token(url: string): Promise<string> {
  const res = await fetch(`${url}/api/identity/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.test', password: 'bench-password' }),
  });
  return ((await res.json()) as { token: string }).token;
}

/** Time from spawning `cleave start` on a fresh data folder to `/readyz` 200, and its idle RSS. */
async function startup(): Promise<{ ms: number; rssMb: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-bench-start-'));
  const started = performance.now();
  const { child, url } = await launch(here('../../bin/cleave'), ['start'], {
    CLEAVE_DATA_DIR: dataDir, CLEAVE_HTTP_PORT: '0', CLEAVE_HTTP_HOST: '127.0.0.1', CLEAVE_EDGE: 'off',
    CLEAVE_IDENTITY_ADMIN_EMAIL: 'bench@example.test', CLEAVE_IDENTITY_ADMIN_PASSWORD: 'bench-password',
  });
  while ((await fetch(`${url}/readyz`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 5));
  const ms = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
  return { ms, rssMb: rssKb / 1024 };
}

/** HTTP: an authenticated route through every kernel middleware against bare koa + @koa/router. */
export async function benchHttp(): Promise<Row[]> {
  const bare = await launch(here('./fixtures/bare-koa.js'));
  const cleave = await launch(here('./fixtures/cleave-host.js'));
  try {
    const baseline = await load(`${bare.url}/hello`);
    const bearer = await token(cleave.url);
    const full = await load(`${cleave.url}/api/ping/hello`, { authorization: `Bearer ${bearer}` });
    const { ms, rssMb } = await startup();
    return [
      { bench: 'http', case: 'bare koa + @koa/router JSON route (baseline)', value: baseline, unit: 'req/s' },
      { bench: 'http', case: 'authenticated route, all kernel middleware + bus', value: full, unit: 'req/s', vsBaseline: full / baseline, target: '>= 0.7x' },
      { bench: 'http', case: 'cleave start to /readyz 200 (fresh data dir)', value: ms, unit: 'ms', target: '<= 1000 ms' },
      { bench: 'http', case: 'idle RSS after start', value: rssMb, unit: 'MB', target: '<= 120 MB' },
    ];
  } finally {
    bare.child.kill();
    cleave.child.kill();
  }
}
