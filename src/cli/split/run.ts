import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { redact } from '../../config/load.js';
import { schemaItems } from '../../config/schema.js';
import { awaitedSessions, startBusBroker } from './bus-broker.js';
import type { ChildSpec } from './child.js';
import { say, Supervisor } from './supervisor.js';
import { UsageError } from '../output.js';
import { configFlags, type ConfigFlag, type GlobalArgs, type Resolved } from '../options.js';
import { packageFile } from '../../files.js';

/** Flags the supervisor sets itself for every child. */
const setForAll: ConfigFlag[] = ['modules', 'bus', 'mqtt-url', 'instance', 'gateway'];
/** Flags that only the gateway takes from the command line: module children serve HTTP on a free port, no devices. */
const gatewayOnly: ConfigFlag[] = ['http-port', 'http-host', 'edge', 'edge-port', 'edge-url', 'edge-tls-port', 'edge-plaintext'];
const script = packageFile('bin/cleave').pathname;

/**
 * `cleave start --split`: one child process per selected module plus a gateway (all routes, the edge
 * listener), over the MQTT bus at `--mqtt-url`, or an embedded broker on a free loopback port.
 */
export async function runSplit(argv: GlobalArgs, { config, selected }: Resolved, graceMs: number) {
  if (!selected.length) throw new UsageError('--split needs modules to run; --modules none leaves nothing to split');
  const explicit = argv['mqtt-url'] !== undefined || config.bus.mqtt.url !== schemaItems.get('bus.mqtt.url')!.default;
  const tag = `${hostname()}-split-${config.http.port}`;
  const instanceOf = (name: string) => `${tag}-${name}`;
  const broker = explicit ? undefined : await startBusBroker({ sessions: awaitedSessions(selected, config.bus.namespace, instanceOf) });
  const url = broker?.url ?? config.bus.mqtt.url;
  say(broker ? `bus: embedded MQTT broker at ${broker.address} (one replica per module)` : `bus: MQTT broker at ${redact(config).bus.mqtt.url}`);
  // The children seal bus messages with the configured key, or one made for this run; env only, never argv.
  const bus = { CLEAVE_MQTT_URL: url, CLEAVE_BUS_KEY: config.bus.key || randomBytes(32).toString('hex') };
  // With an external device broker, a module's credential events wait in its outbox until the gateway's device
  // listener, which provisions the broker, has subscribed to them.
  const edgeUrl: Record<string, string> = config.edge.broker === 'external' ? { CLEAVE_EDGE_URL: config.edge.url } : {};
  const children: ChildSpec[] = [
    ...selected.map(({ contract: { name } }) => ({
      name,
      env: { ...bus, ...edgeUrl },
      args: [...passThrough(argv, [...setForAll, ...gatewayOnly]), '--modules', name, '--bus', 'mqtt', '--instance', instanceOf(name), '--http-port', '0', '--edge', 'off'],
    })),
    {
      name: 'gateway',
      env: bus,
      args: [...passThrough(argv, setForAll), '--modules', 'none', '--gateway', '--bus', 'mqtt', '--instance', instanceOf('gateway')],
    },
  ];
  let stopped = false;
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const supervisor = new Supervisor({
    children,
    script,
    graceMs,
    onFatal: (message) => fail(new UsageError(message)),
    onReady: (http) => {
      if (!http.gateway) return say(`ready: ${children.length} processes`);
      void untilReady(http.gateway, () => stopped).then((ready) => ready && say(`ready: ${children.length} processes; HTTP at ${http.gateway} (gateway)`));
    },
  });
  supervisor.start();
  return {
    failed,
    async stop() {
      stopped = true;
      say('stopping every process');
      await supervisor.stop();
      await broker?.close();
      say('stopped');
    },
  };
}

/**
 * Resolves once the gateway's `/readyz` answers 200: every module has a live host and every part is up.
 * Every 15 s without it, says which checks still fail.
 */
async function untilReady(gateway: string, stopped: () => boolean): Promise<boolean> {
  let lastSaid = Date.now();
  while (!stopped()) {
    let failing: string;
    try {
      const res = await fetch(`${gateway}/readyz`);
      if (res.ok) return true;
      const { checks = {} } = (await res.json()) as { checks?: Record<string, string> };
      failing = Object.entries(checks).filter(([, state]) => state !== 'ok').map(([name, state]) => `${name}: ${state}`).join('; ');
    } catch (err) {
      failing = `gateway: ${(err as Error).message}`;
    }
    if (Date.now() - lastSaid >= 15_000) {
      lastSaid = Date.now();
      say(`not ready yet: ${failing}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** The command-line options a child inherits: `--config`, `--verbose`, `--no-migrate` and config flags not in `except`. */
function passThrough(argv: GlobalArgs, except: ConfigFlag[]): string[] {
  const args: string[] = [];
  if (argv.config) args.push('--config', argv.config);
  if (argv.verbose) args.push('--verbose');
  if (argv.migrate === false) args.push('--no-migrate');
  for (const flag of Object.keys(configFlags) as ConfigFlag[]) {
    if (except.includes(flag) || argv[flag] === undefined) continue;
    const value = argv[flag];
    args.push(typeof value === 'boolean' ? (value ? `--${flag}` : `--no-${flag}`) : `--${flag}=${String(value)}`);
  }
  return args;
}
