import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './support/host.js';

const script = fileURLToPath(new URL('./fixtures/fixture-host.js', import.meta.url));

function startFixtureHost(dataDir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, CLEAVE_DATA_DIR: dataDir, CLEAVE_HTTP_PORT: '0', CLEAVE_HTTP_HOST: '127.0.0.1', CLEAVE_EDGE: 'off', CLEAVE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\S+)/.exec(out);
      if (match) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`fixture host exited with ${code} before it was ready`)));
  });
}

test('when a host dies with committed events not yet dispatched, then they are dispatched after restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-crash-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));

  const first = await startFixtureHost(dataDir, { CLEAVE_OUTBOX_RELAY: 'false' });
  for (const amount of [1, 2, 3]) {
    const res = await fetch(`${first.url}/api/ledger/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount }),
    });
    t.is(res.status, 201);
  }
  const exited = new Promise((resolve) => first.child.once('exit', resolve));
  first.child.kill('SIGKILL');
  await exited;

  const second = await startFixtureHost(dataDir, {});
  t.teardown(() => second.child.kill('SIGKILL'));
  const entries = await eventually(async () => {
    const res = await fetch(`${second.url}/api/audit/entries`);
    const body = (await res.json()) as { entries: Array<{ amount: number }> };
    return body.entries.length >= 3 ? body.entries : undefined;
  }, 10_000, 'three audit entries');
  t.deepEqual(entries.map((e) => e.amount), [1, 2, 3]);
});
