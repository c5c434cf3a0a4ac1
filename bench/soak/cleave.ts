import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SimulatedDevice } from '../../src/edge/simulator.js';
import { spawnNode, type Child } from '../repeat.js';

const admin = { email: 'soak@example.test', password: 'soak-password-0123' };

/** A Cleave monolith in a child process (`cleave start`), with its HTTP URL and device broker URL. */
export interface SoakHost extends Child {
  http: string;
  mqtt: string;
  pid: number;
}

/**
 * Starts `cleave start` on `dataDir` with the device broker on a free port. The simulated devices all connect
 * from one address at `rate` messages a second each, so the per-address connect limit and the per-device
 * message limit are raised above what the soak offers; everything else is the default configuration.
 */
export async function startCleave(dataDir: string, devices: number, rate: number): Promise<SoakHost> {
  const cleave = spawnNode(fileURLToPath(new URL('../../../bin/cleave', import.meta.url)), ['start'], {
    CLEAVE_DATA_DIR: dataDir,
    CLEAVE_HTTP_PORT: '0',
    CLEAVE_HTTP_HOST: '127.0.0.1',
    CLEAVE_LOG_LEVEL: 'info',
    CLEAVE_EDGE: 'embedded',
    CLEAVE_EDGE_PORT: '0',
    CLEAVE_EDGE_HOST: '127.0.0.1',
    CLEAVE_EDGE_MAX_MESSAGES_PER_SECOND: String(Math.min(1_000_000, Math.max(100, Math.ceil(rate * 2)))),
    CLEAVE_EDGE_CONNECTS_PER_SECOND: String(Math.min(1_000_000, Math.max(20, devices * 2))),
    CLEAVE_IDENTITY_ADMIN_EMAIL: admin.email,
    CLEAVE_IDENTITY_ADMIN_PASSWORD: admin.password,
  });
  const ready = await cleave.waitFor((line) => {
    if (!line.includes('cleave is ready')) return undefined;
    const { http, edge } = JSON.parse(line) as { http: string; edge: number };
    return { http, mqtt: `mqtt://127.0.0.1:${edge}` };
  });
  return { ...cleave, ...ready, pid: cleave.child.pid! };
}

/** Resident set size of a process, in MB (Linux `/proc`). */
export const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function call(base: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(new URL(path, base), { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Through the HTTP API: one alert rule every reading is evaluated against (it never fires), and `count` devices. */
export async function prepare(http: string, count: number): Promise<SimulatedDevice[]> {
  const token = (await call(http, '/api/identity/login', admin)).token as string;
  await call(http, '/api/alerts/rules', { name: 'soak: never fires', metric: 'temperature', op: 'gt', threshold: 1000 }, token);
  const devices: SimulatedDevice[] = [];
  for (let i = 0; i < count; i++) {
    const created = await call(http, '/api/devices', { name: `soak ${i + 1}` }, token);
    devices.push({ id: created.id as string, secret: created.secret as string });
  }
  return devices;
}
