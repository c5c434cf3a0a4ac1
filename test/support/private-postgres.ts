import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './mosquitto.js';

/** Where Debian puts the server binaries (`initdb`, `pg_ctl`); `CLEAVE_TEST_PG_BIN` overrides it. */
const binDir = process.env.CLEAVE_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const owner = 'postgres';

/** A PostgreSQL cluster of its own for a test, on a free port in a temp folder: one the test may stop. */
export interface PrivatePostgres {
  /** URL of its `postgres` database (trust authentication, loopback only). */
  url: string;
  port: number;
  /** Starts the server (again) and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (`pg_ctl stop -m fast`: open sessions are cut, committed data kept). */
  stop(): Promise<void>;
  /** Stops the server if it runs and removes the cluster's folder. */
  destroy(): Promise<void>;
}

/**
 * True when `initdb` and `pg_ctl` are installed (and, as root, the `postgres` user exists to run them).
 * Under CI their absence throws; elsewhere the caller skips and says why.
 */
export function privatePostgresAvailable(): boolean {
  const found = existsSync(join(binDir, 'initdb')) && existsSync(join(binDir, 'pg_ctl')) && (!asRoot() || uidOf(owner) !== undefined);
  if (!found && process.env.CI === 'true') throw new Error(`a private PostgreSQL cluster is required in CI but initdb/pg_ctl are not in ${binDir}`);
  return found;
}

const asRoot = () => process.getuid?.() === 0;

function uidOf(user: string): { uid: number; gid: number } | undefined {
  const id = (flag: string) => spawnSync('id', [flag, user], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Runs a server binary as the cluster's owner: `runuser` when this process is root (PostgreSQL refuses root). */
async function runAsOwner(binary: string, args: string[]): Promise<void> {
  const [file, argv] = asRoot() ? ['runuser', ['-u', owner, '--', join(binDir, binary), ...args]] : [join(binDir, binary), args];
  try {
    await promisify(execFile)(file, argv, { timeout: 60_000 });
  } catch (err) {
    const { stderr, stdout, message } = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${binary} ${args[0]} failed: ${(stderr || stdout || message).trim()}`);
  }
}

/** Creates a cluster (`initdb`) in a temp folder owned by `postgres`, starts it on a free port, and returns it. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'cleave-pg-'));
  if (asRoot()) {
    const { uid, gid } = uidOf(owner)!;
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  const destroy = async () => {
    if (existsSync(join(data, 'postmaster.pid'))) await runAsOwner('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  const cluster: PrivatePostgres = {
    url: `postgres://${owner}@127.0.0.1:${port}/postgres`,
    port,
    start: () => runAsOwner('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`]),
    stop: () => runAsOwner('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60']),
    destroy,
  };
  try {
    await runAsOwner('initdb', ['-D', data, '-U', owner, '-A', 'trust', '--no-sync', '-E', 'UTF8', '--no-locale']);
    await cluster.start();
  } catch (err) {
    await destroy();
    throw err;
  }
  return cluster;
}
