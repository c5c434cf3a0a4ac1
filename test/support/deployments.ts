import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPresence } from '../../src/bus/presence.js';
import { adminEmail, adminPassword, eventually, startTestHost } from './host.js';
import { freePort } from './mosquitto.js';

/** A running deployment of the whole build, whatever its topology: where to reach HTTP and devices. */
export interface Deployment {
  url: string;
  edgePort: number;
  stop(): Promise<void>;
}

/** Where a topology keeps its data and carries its bus. */
export interface Placement {
  /** MQTT broker of the bus; absent means the in-process bus. */
  mqttUrl?: string;
  /** PostgreSQL database; absent means SQLite files in a temp folder. */
  dbUrl?: string;
}

const bin = fileURLToPath(new URL('../../../bin/cleave', import.meta.url));
const namespace = () => `t${randomBytes(4).toString('hex')}`;

/** Every module in one host (this process), on the in-process bus or on MQTT. */
export async function monolith({ mqttUrl, dbUrl }: Placement): Promise<Deployment> {
  const t = await startTestHost({
    config: {
      'edge.broker': 'embedded',
      'edge.port': 0,
      'edge.host': '127.0.0.1',
      'db.url': dbUrl ?? '',
      ...(mqttUrl ? { 'bus.transport': 'mqtt', 'bus.mqtt.url': mqttUrl, 'bus.namespace': namespace() } : {}),
    },
  });
  return { url: t.url, edgePort: t.host.edgePort!, stop: () => t.stop() };
}

/**
 * One `cleave start` process per module plus a gateway (all routes, the edge listener), over the MQTT bus:
 * the deployment a new user would start by hand. Ready once the gateway answers and every module is present.
 */
export async function processPerModule({ mqttUrl, dbUrl }: Placement & { mqttUrl: string }, modules: string[]): Promise<Deployment> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-topology-'));
  const [httpPort, edgePort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CLEAVE_'))),
    CLEAVE_BUS: 'mqtt',
    CLEAVE_MQTT_URL: mqttUrl,
    CLEAVE_BUS_NAMESPACE: namespace(),
    CLEAVE_DATA_DIR: dataDir,
    CLEAVE_DB_URL: dbUrl ?? '',
    CLEAVE_HTTP_HOST: '127.0.0.1',
    CLEAVE_EDGE_HOST: '127.0.0.1',
    CLEAVE_LOG_LEVEL: process.env.TOPOLOGY_LOG ?? 'warn',
    CLEAVE_ADMIN_EMAIL: adminEmail,
    CLEAVE_ADMIN_PASSWORD: adminPassword,
  };
  const children = [
    ...modules.map((name) => run(env, ['--modules', name, '--http-port', '0', '--edge', 'off'])),
    run(env, ['--modules', 'none', '--gateway', '--http-port', String(httpPort), '--edge-port', String(edgePort)]),
  ];
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    await Promise.all(children.map((child) => child.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await eventually(async () => {
      const exited = children.find((child) => child.process.exitCode !== null);
      if (exited) throw new Error(`a process exited early: ${exited.output()}`);
      const hosted = (await readPresence(mqttUrl, env.CLEAVE_BUS_NAMESPACE!)).flatMap((i) => i.modules);
      const ready = await fetch(`${url}/readyz`).then((res) => res.ok, () => false);
      return ready && modules.every((m) => hosted.includes(m)) ? true : undefined;
    }, 40_000, 'every process to be up');
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, edgePort, stop };
}

interface Running {
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function run(env: NodeJS.ProcessEnv, args: string[]): Running {
  // Supervised: if the test process dies, the child sees its stdin close and stops.
  const child = spawn(process.execPath, [bin, 'start', ...args], {
    env: { ...env, CLEAVE_SUPERVISED: '1' },
    stdio: process.env.TOPOLOGY_LOG ? ['pipe', 'inherit', 'inherit'] : ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    output: () => `${args.join(' ')}: ${output}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
