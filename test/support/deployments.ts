import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPresence } from '../../src/bus/presence.js';
import { adminEmail, adminPassword, eventually, startTestHost, testBusKey } from './host.js';
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
  /** More environment variables for the processes of a split (e.g. `OTEL_*`). */
  env?: Record<string, string>;
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
export function processPerModule(placement: Placement & { mqttUrl: string }, modules: string[]): Promise<Deployment> {
  return processGroups(placement, modules.map((name) => [name]));
}

/** A split whose processes can be killed and started again one at a time. */
export interface SplitDeployment extends Deployment {
  /** The process hosting `module` (or `gateway`): SIGKILL, waiting until it has exited. */
  kill(module: string): Promise<void>;
  /** Starts the process hosting `module` (or `gateway`) again, with the same configuration and ports. */
  restart(module: string): Promise<void>;
  /** The process id of the process hosting `module` (or `gateway`), e.g. to SIGSTOP it. */
  pid(module: string): number;
  /** The bus namespace of the deployment; each process's instance is `<namespace>-<its modules joined by _>`. */
  readonly namespace: string;
}

/**
 * One `cleave start` process per group of modules plus a gateway (all routes, the edge listener), over the
 * MQTT bus, each with `settings` (`CLEAVE_*` variables) added to its environment. Ready once the gateway answers
 * and every module is present.
 */
export async function processGroups({ mqttUrl, dbUrl, env: extra }: Placement & { mqttUrl: string }, groups: string[][]): Promise<SplitDeployment> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-topology-'));
  const [httpPort, edgePort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CLEAVE_'))),
    CLEAVE_BUS: 'mqtt',
    CLEAVE_MQTT_URL: mqttUrl,
    CLEAVE_BUS_KEY: testBusKey,
    CLEAVE_BUS_NAMESPACE: namespace(),
    CLEAVE_DATA_DIR: dataDir,
    CLEAVE_DB_URL: dbUrl ?? '',
    CLEAVE_HTTP_HOST: '127.0.0.1',
    CLEAVE_EDGE_HOST: '127.0.0.1',
    CLEAVE_LOG_LEVEL: process.env.TOPOLOGY_LOG ?? 'warn',
    CLEAVE_IDENTITY_ADMIN_EMAIL: adminEmail,
    CLEAVE_IDENTITY_ADMIN_PASSWORD: adminPassword,
    // Scenarios stream from one device faster than the default per-device limit, which is not what they test.
    CLEAVE_EDGE_MAX_MESSAGES_PER_SECOND: '1000000',
    ...extra,
  };
  // A stable instance name per process, as `--split` gives: a restarted process resumes its own bus session.
  const instance = (name: string) => ['--instance', `${env.CLEAVE_BUS_NAMESPACE}-${name}`];
  const processes = [
    ...groups.map((group) => ({ hosts: group, running: run(env, ['--modules', group.join(','), ...instance(group.join('_')), '--http-port', '0', '--edge', 'off']) })),
    { hosts: ['gateway'], running: run(env, ['--modules', 'none', '--gateway', ...instance('gateway'), '--http-port', String(httpPort), '--edge-port', String(edgePort)]) },
  ];
  const children = processes.map((p) => p.running);
  const hosting = (module: string) => {
    const found = processes.find((p) => p.hosts.includes(module));
    if (!found) throw new Error(`no process hosts ${module}`);
    return found.running;
  };
  const modules = groups.flat();
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
    }, 90_000, 'every process to be up');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    edgePort,
    stop,
    kill: (module) => hosting(module).kill(),
    restart: async (module) => hosting(module).start(),
    pid: (module) => hosting(module).process.pid!,
    namespace: env.CLEAVE_BUS_NAMESPACE!,
  };
}

interface Running {
  readonly process: ChildProcess;
  output(): string;
  /** Starts the process again after it has exited. */
  start(): void;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

function run(env: NodeJS.ProcessEnv, args: string[]): Running {
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000));
  const spawnOne = () => {
    // Supervised: if the test process dies, the child sees its stdin close and stops.
    const child = spawn(process.execPath, [bin, 'start', ...args], {
      env: { ...env, CLEAVE_SUPERVISED: '1' },
      stdio: process.env.TOPOLOGY_LOG ? ['pipe', 'inherit', 'inherit'] : ['pipe', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, exited };
  };
  let current = spawnOne();
  const running = () => current.child.exitCode === null && current.child.signalCode === null;
  return {
    get process() {
      return current.child;
    },
    output: () => `${args.join(' ')}: ${output}`,
    start() {
      if (running()) throw new Error(`${args.join(' ')} is still running`);
      current = spawnOne();
    },
    async kill() {
      if (!running()) return;
      current.child.kill('SIGKILL');
      await current.exited;
    },
    async stop() {
      if (!running()) return;
      current.child.kill('SIGTERM');
      const timer = setTimeout(() => current.child.kill('SIGKILL'), 15_000);
      await current.exited;
      clearTimeout(timer);
    },
  };
}
