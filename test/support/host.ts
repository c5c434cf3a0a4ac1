import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { Host } from '../../src/host/host.js';
import type { ModuleDefinition } from '../../src/kernel/module.js';
import { createLogger } from '../../src/observability/log.js';
import { modules as buildModules } from '../../modules/index.js';

export const adminEmail = 'admin@example.test';
export const adminPassword = 'admin-password-1';
/** The bus key of test deployments (`bus.key`); only used when a test puts its host on the MQTT bus. */
export const testBusKey = 'test-bus-key-0123456789abcdef0123456789';

export interface TestHostOptions {
  /** Modules known to the host (default: the build's modules). */
  modules?: ModuleDefinition[];
  /** Config overrides by dotted key, e.g. `{ modules: 'ledger' }`. */
  config?: Record<string, unknown>;
  /** Reuse a data folder (to restart on the same stores). */
  dataDir?: string;
  /** Receives the host's JSON log lines. */
  logTo?: DestinationStream;
}

export interface TestHost {
  host: Host;
  url: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Logs in through HTTP and returns the bearer token. */
  login(email?: string, password?: string): Promise<string>;
}

/** Starts a real host on port 0 with SQLite files in a temp folder; `stop` removes the folder it made. */
export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const ownDir = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'cleave-test-'));
  const dataDir = options.dataDir ?? ownDir!;
  const modules = options.modules ?? buildModules;
  const admin = modules.some((m) => m.contract.name === 'identity')
    ? { 'identity.adminEmail': adminEmail, 'identity.adminPassword': adminPassword }
    : {};
  const config = loadConfig({
    modules,
    cwd: dataDir,
    env: {},
    overrides: {
      'http.port': 0,
      'http.host': '127.0.0.1',
      'db.dataDir': dataDir,
      'edge.broker': 'off',
      'log.level': options.logTo ? 'info' : 'silent',
      ...admin,
      'bus.retry.baseDelayMs': 20,
      'bus.key': testBusKey,
      ...options.config,
    },
  });
  const log = options.logTo ? createLogger(config.log.level, {}, options.logTo) : undefined;
  const host = await Host.start({ config, modules, log });
  return {
    host,
    url: host.url,
    dataDir,
    async stop() {
      await host.stop();
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
    async login(email = adminEmail, password = adminPassword) {
      const res = await fetch(`${host.url}/api/identity/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
  };
}

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`; `what` names the wait
 * in the failure (a function is called then, so it can say what was seen by that time).
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000, what: string | (() => string) = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
