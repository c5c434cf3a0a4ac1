import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startTestHost } from './support/host.js';

test('when a host stops, then each SQLite store is one file again: its log folded in and removed', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-close-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const host = await startTestHost({ config: { 'db.dataDir': dataDir } });
  const res = await fetch(`${host.url}/api/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await host.login()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'boiler-1', name: 'Boiler room' }),
  });
  const whileRunning = readdirSync(dataDir);

  await host.stop();

  t.is(res.status, 201);
  t.true(whileRunning.includes('devices.sqlite-wal'), whileRunning.join(', '));
  t.deepEqual(readdirSync(dataDir).sort(), ['alerts.sqlite', 'commands.sqlite', 'devices.sqlite', 'identity.sqlite', 'telemetry.sqlite']);
});
