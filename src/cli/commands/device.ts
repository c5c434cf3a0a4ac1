import { readFileSync, writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import type { SimulatedDevice, SimulationReport } from '../../edge/simulator.js';
import { UsageError } from '../output.js';
import type { Command, GlobalArgs } from '../options.js';

interface SimulateArgs extends GlobalArgs {
  devices: number;
  rate: number;
  duration: number;
  qos: number;
  url: string;
  api: string;
  credentials?: string;
  save?: string;
  email?: string;
  password?: string;
}

/** `cleave device simulate`: simulated devices for demos and load. */
export const deviceCommand: Command = {
  builder: (yargs) =>
    (yargs as Argv<GlobalArgs>)
      .positional('action', { choices: ['simulate'], describe: 'simulate: register, connect and publish telemetry' })
      .options({
        devices: { type: 'number', default: 10, describe: 'How many devices' },
        rate: { type: 'number', default: 1, describe: 'Messages per second per device; 0 sends as fast as acknowledgements allow' },
        duration: { type: 'number', default: 10, describe: 'Seconds to publish' },
        qos: { type: 'number', choices: [0, 1], default: 1, describe: 'MQTT QoS of the telemetry' },
        url: { type: 'string', default: 'mqtt://127.0.0.1:1883', describe: 'The edge broker' },
        api: { type: 'string', default: 'http://127.0.0.1:3000', describe: 'Cleave HTTP API, to register the devices' },
        credentials: { type: 'string', describe: 'JSON file of [{ "id", "secret" }] to use instead of registering devices' },
        save: { type: 'string', describe: 'Write the registered devices\' credentials to this JSON file' },
        email: { type: 'string', describe: 'Operator or admin email for registering (default CLEAVE_IDENTITY_ADMIN_EMAIL)' },
        password: { type: 'string', describe: 'Its password (default CLEAVE_IDENTITY_ADMIN_PASSWORD)' },
      }),
  handler: async (argv) => {
    const args = argv as SimulateArgs;
    for (const [name, value, min] of [['devices', args.devices, 1], ['rate', args.rate, 0], ['duration', args.duration, 1]] as const) {
      if (!Number.isFinite(value) || value < min) throw new UsageError(`--${name} must be a number of at least ${min}`);
    }
    const devices = args.credentials ? readCredentials(args.credentials) : await register(args);
    if (args.save && !args.credentials) writeFileSync(args.save, JSON.stringify(devices, null, 2));
    const tty = process.stderr.isTTY;
    const { simulate } = await import('../../edge/simulator.js');
    const result = await simulate({
      url: args.url,
      devices: devices.slice(0, args.devices),
      rate: args.rate,
      durationMs: args.duration * 1000,
      qos: args.qos as 0 | 1,
      onProgress: (p) => process.stderr.write(`${tty ? '\r' : ''}${line(p)}${tty ? '' : '\n'}`),
    });
    if (tty) process.stderr.write('\n');
    process.stdout.write(summary(result));
    if (result.failed > 0) process.exitCode = 1;
  },
};

const line = (p: SimulationReport) =>
  `${(p.elapsedMs / 1000).toFixed(0)} s: sent ${p.sent}, acknowledged ${p.acknowledged}, rejected ${p.rejected}, ${Math.round((p.acknowledged / p.elapsedMs) * 1000)} msg/s`;

function summary(r: SimulationReport): string {
  const rows = [
    ['sent', r.sent],
    ['acknowledged', r.acknowledged],
    ['rejected', r.rejected],
    ['failed', r.failed],
    ['messages/s', Math.round((r.acknowledged / r.elapsedMs) * 1000)],
    ['ack latency p50', `${r.p50.toFixed(2)} ms`],
    ['ack latency p99', `${r.p99.toFixed(2)} ms`],
  ];
  return rows.map(([name, value]) => `${String(name).padEnd(16)} ${value}`).join('\n') + '\n';
}

function readCredentials(file: string): SimulatedDevice[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read credentials from ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((d) => typeof d?.id === 'string' && typeof d?.secret === 'string')) {
    throw new UsageError(`${file} must hold a JSON array of { "id": string, "secret": string }`);
  }
  return parsed as SimulatedDevice[];
}

async function register(args: SimulateArgs): Promise<SimulatedDevice[]> {
  const email = args.email ?? process.env.CLEAVE_IDENTITY_ADMIN_EMAIL;
  const password = args.password ?? process.env.CLEAVE_IDENTITY_ADMIN_PASSWORD;
  if (!email || !password) throw new UsageError('registering devices needs --email and --password (or CLEAVE_IDENTITY_ADMIN_EMAIL and CLEAVE_IDENTITY_ADMIN_PASSWORD), or use --credentials FILE');
  const token = (await api(args.api, '/api/identity/login', { email, password })).token as string;
  const devices: SimulatedDevice[] = [];
  for (let i = 0; i < args.devices; i++) {
    const created = await api(args.api, '/api/devices', { name: `simulated ${i + 1}`, labels: { simulated: 'true' } }, token);
    devices.push({ id: created.id as string, secret: created.secret as string });
  }
  process.stderr.write(`registered ${devices.length} devices\n`);
  return devices;
}

async function api(base: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(new URL(path, base), { method: 'POST', headers, body: JSON.stringify(body) }).catch((err: Error) => {
    throw new Error(`cannot reach the Cleave API at ${base}: ${err.message}`);
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}
