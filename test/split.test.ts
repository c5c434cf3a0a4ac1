import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { Deployment } from './support/deployments.js';
import { fleetScenario } from './support/fleet-scenario.js';
import { adminEmail, adminPassword, eventually } from './support/host.js';
import { freePort } from './support/mosquitto.js';
import { expectedTranscript } from './support/fleet-transcript.js';

const bin = fileURLToPath(new URL('../../bin/cleave', import.meta.url));

/** `cleave start --split` as a new user runs it, on the embedded bus broker; its stderr lines as they come. */
async function startSplit(t: import('ava').ExecutionContext) {
  const cwd = mkdtempSync(join(tmpdir(), 'cleave-split-'));
  const [httpPort, edgePort] = [await freePort(), await freePort()];
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CLEAVE_'))),
    CLEAVE_IDENTITY_ADMIN_EMAIL: adminEmail,
    CLEAVE_IDENTITY_ADMIN_PASSWORD: adminPassword,
    CLEAVE_HTTP_HOST: '127.0.0.1',
    CLEAVE_EDGE_HOST: '127.0.0.1',
  };
  // Supervised: if this test process dies, the supervisor sees its stdin close and stops everything it started.
  const child = spawn(process.execPath, [bin, 'start', '--split', '--http-port', String(httpPort), '--edge-port', String(edgePort)], {
    cwd,
    env: { ...env, CLEAVE_SUPERVISED: '1' },
  });
  const stderr: string[] = [];
  let rest = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop()!;
    stderr.push(...lines);
  });
  const stdout: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => stdout.push(l));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  });
  const line = (pattern: RegExp, what: string) =>
    eventually(async () => stderr.find((l) => pattern.test(l)), 90_000, () => `${what}; stderr so far: ${stderr.join(' | ')}; last log lines: ${notable().join(' | ')}`);
  const pids = () => new Map(stderr.map((l) => /^\[split\] (\S+) started \(pid (\d+)\)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1], Number(m[2])]));
  const deployment: Deployment = { url: `http://127.0.0.1:${httpPort}`, edgePort, stop: async () => undefined };
  /** The children's log lines that are not routine (for a failure report). */
  const notable = () => stdout.filter((l) => !/"level":30,.*"msg":"(http request|applied migrations)"/.test(l)).slice(-60);
  return { child, stderr, exited, line, pids, deployment, notable };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test.serial('when started with --split, then the ready line comes once the gateway serves every module, the fleet scenario passes, and SIGTERM stops every child', async (t) => {
  const split = await startSplit(t);
  await split.line(/^\[split\] ready: 6 processes; HTTP at /, 'the ready line');
  const login = await fetch(`${split.deployment.url}/api/identity/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: adminEmail, password: adminPassword }),
  });
  t.is(login.status, 200, 'once the ready line is printed, the gateway serves every module at once');

  const transcript = await fleetScenario(split.deployment).catch((err: unknown) => {
    t.log(split.notable().join('\n'));
    throw err;
  });
  t.deepEqual(transcript, expectedTranscript);
  const pids = split.pids();
  t.deepEqual([...pids.keys()].sort(), ['alerts', 'commands', 'devices', 'gateway', 'identity', 'telemetry']);
  t.true(split.stderr.some((l) => /^\[split\] bus: embedded MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+ /.test(l)), 'the broker is shown without its password');
  if (existsSync('/proc/self/environ')) {
    for (const [name, pid] of pids) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const key = environ.find((e) => e.startsWith('CLEAVE_BUS_KEY='))?.slice('CLEAVE_BUS_KEY='.length) ?? '';
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      t.regex(key, /^[0-9a-f]{64}$/, `${name} got a generated bus key through its environment`);
      t.false(cmdline.includes(key), `${name}: the bus key is not on its command line`);
      t.false(/\/\/[^/\s]*:[^/\s]*@/.test(cmdline), `${name}: no broker password on its command line`);
    }
  }

  split.child.kill('SIGTERM');
  t.is(await split.exited, 0);
  t.deepEqual([...pids.values()].filter(alive), []);
  t.true(split.stderr.includes('[split] stopped'));
});

test.serial('when a child crashes, then it is restarted and its module serves again', async (t) => {
  const split = await startSplit(t);
  await split.line(/^\[split\] ready: /, 'the ready line');
  const first = split.pids().get('identity')!;

  process.kill(first, 'SIGKILL');

  await split.line(/^\[split\] identity was killed by SIGKILL; restarting in 0\.5 s$/, 'the restart notice');
  await eventually(async () => (split.pids().get('identity') !== first ? true : undefined), 20_000, 'a new identity process');
  const login = await eventually(async () => {
    const res = await fetch(`${split.deployment.url}/api/identity/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: adminEmail, password: adminPassword }),
    });
    return res.status === 200 ? res.status : undefined;
  }, 20_000, 'login through the restarted identity');
  t.is(login, 200);
  split.child.kill('SIGTERM');
  t.is(await split.exited, 0);
});
