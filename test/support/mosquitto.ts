import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A Mosquitto broker started for a test. */
export interface Mosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops the broker (SIGTERM: it saves its persistence) and starts it again on the same port, after `whileDown`. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

/** True when the `mosquitto` binary is installed; under CI a missing broker throws. */
export function mosquittoAvailable(): boolean {
  const found = spawnSync('sh', ['-c', 'command -v mosquitto || test -x /usr/sbin/mosquitto'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.CI === 'true') throw new Error('mosquitto is required in CI but is not installed');
  return found;
}

function binary(): string {
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).stdout.trim();
  return which || '/usr/sbin/mosquitto';
}

/** A TCP port free on the loopback address right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Creates the plugin's JSON with its admin (`mosquitto_ctrl dynsec init`) and returns the config lines. */
function dynsecConfig(dir: string, { admin, password }: { admin: string; password: string }): string {
  const file = join(dir, 'dynamic-security.json');
  const init = spawnSync('mosquitto_ctrl', ['dynsec', 'init', file, admin, password], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`mosquitto_ctrl dynsec init failed: ${init.stderr || init.stdout}`);
  chmodSync(file, 0o644);
  return `plugin /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so\nplugin_opt_config_file ${file}`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** PEM files of a TLS listener; they and their directory must be readable by the mosquitto user. */
export interface MosquittoTls {
  cafile: string;
  certfile: string;
  keyfile: string;
}

/**
 * Starts Mosquitto on a free local port with settings sized for the bus; waits until it accepts connections.
 * With `dynsec`, anonymous clients are refused and the dynamic-security plugin runs with that admin. With `tls`,
 * the listener speaks MQTT over TLS only and `url` is `mqtts://localhost:<port>`.
 */
export async function startMosquitto(options: { persistence?: boolean; dynsec?: { admin: string; password: string }; tls?: MosquittoTls } = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'cleave-mosquitto-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const lines = [
    `listener ${port} 127.0.0.1`,
    ...(options.tls ? [`cafile ${options.tls.cafile}`, `certfile ${options.tls.certfile}`, `keyfile ${options.tls.keyfile}`] : []),
    options.dynsec ? dynsecConfig(dir, options.dynsec) : 'allow_anonymous true',
    'set_tcp_nodelay true',
    'max_inflight_messages 0',
    'max_queued_messages 100000',
    'log_dest none',
  ];
  if (process.getuid?.() === 0) lines.push('user root');
  if (options.persistence) lines.push('persistence true', `persistence_location ${dir}/`, 'autosave_interval 1');
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`, { mode: 0o644 });

  let child: ChildProcess | undefined;
  const launch = async () => {
    const started = spawn(binary(), ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child = started;
    const deadline = Date.now() + 5000;
    while (!(await accepts(port))) {
      if (started.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not start on ${port}: ${stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const halt = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await launch();
  return {
    url: options.tls ? `mqtts://localhost:${port}` : `mqtt://127.0.0.1:${port}`,
    port,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart(whileDown) {
      await halt();
      await whileDown?.();
      await launch();
    },
  };
}
