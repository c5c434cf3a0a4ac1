import type { Host } from '../../kernel/host.js';
import { UsageError } from '../output.js';
import { resolveConfig, withConfigFlags, type Command } from '../options.js';

const GRACE_MS = 2000;

/** `cleave start`: runs a host until SIGINT or SIGTERM, then stops it gracefully. */
export const startCommand: Command = {
  command: 'start',
  describe: 'Run a host: the selected modules, their HTTP routes and the bus',
  builder: (yargs) =>
    withConfigFlags(yargs).options({
      migrate: { type: 'boolean', default: true, describe: 'Apply pending migrations at start (--no-migrate skips)' },
      gateway: { type: 'boolean', describe: 'Also serve routes of modules hosted elsewhere (not available yet)' },
      split: { type: 'boolean', describe: 'One child process per module over MQTT (not available yet)' },
    }),
  handler: async (argv) => {
    if (argv.gateway) throw new UsageError('--gateway is not available yet in this build');
    if (argv.split) throw new UsageError('--split is not available yet in this build');
    const { config, modules } = await resolveConfig(argv);
    if (config.bus.transport === 'mqtt') {
      throw new UsageError('the MQTT bus is not available yet in this build; use --bus inproc');
    }
    const { Host } = await import('../../kernel/host.js');
    try {
      await runUntilSignal(
        () => Host.start({ config, modules, migrate: argv.migrate !== false }),
        config.shutdown.timeoutMs + GRACE_MS,
      );
    } finally {
      setTimeout(() => process.exit(), GRACE_MS).unref();
    }
  },
};

async function runUntilSignal(start: () => Promise<Host>, forceAfterMs: number): Promise<void> {
  let stopping = false;
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      if (stopping) forceExit(`received ${signal} again while stopping; exiting now`);
      stopping = true;
      resolve(signal);
    };
  });
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let host: Host;
  try {
    host = await start();
  } catch (error) {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    throw error;
  }
  const signal = await signalled;
  host.log.info({ signal }, 'cleave is stopping');
  const timer = setTimeout(
    () => forceExit(`stopping took longer than ${forceAfterMs} ms (shutdown.timeoutMs + ${GRACE_MS} ms); exiting now`),
    forceAfterMs,
  );
  try {
    await host.stop();
  } finally {
    clearTimeout(timer);
  }
}

function forceExit(message: string): never {
  process.stderr.write(`cleave: ${message}\n`);
  process.exit(1);
}
