import { supervisedEnv } from '../split/child.js';
import { UsageError } from '../output.js';
import { resolveConfig, withConfigFlags, type Command } from '../options.js';

const GRACE_MS = 2000;

/** Something `start` runs until a signal: a host, or the supervisor of a split rehearsal. */
export interface Stoppable {
  stop(): Promise<void>;
  /** Rejects when it cannot go on: it is then stopped and the error reported. */
  failed?: Promise<never>;
}

/** `cleave start`: runs a host (or, with `--split`, one per module) until SIGINT or SIGTERM, then stops gracefully. */
export const startCommand: Command = {
  builder: (yargs) =>
    withConfigFlags(yargs).options({
      migrate: { type: 'boolean', default: true, describe: 'Apply pending migrations at start (--no-migrate skips)' },
      split: {
        type: 'boolean',
        describe: 'Rehearse a split deployment: one child process per module plus a gateway, over MQTT (an embedded broker unless --mqtt-url)',
      },
    }),
  handler: async (argv) => {
    const resolved = await resolveConfig(argv);
    const { config, modules } = resolved;
    const forceAfterMs = config.shutdown.timeoutMs + GRACE_MS;
    try {
      if (argv.split) {
        const { runSplit } = await import('../split/run.js');
        await runUntilSignal(() => runSplit(argv, resolved, config.shutdown.timeoutMs), forceAfterMs * 2);
        return;
      }
      if (config.http.gateway && config.bus.transport === 'inproc') {
        throw new UsageError('--gateway forwards requests to other processes: it needs --bus mqtt');
      }
      if (config.modules.includes('none') && !config.http.gateway) {
        throw new UsageError('--modules none hosts nothing: it is for a gateway (add --gateway --bus mqtt)');
      }
      const { Host } = await import('../../host/host.js');
      await runUntilSignal(() => Host.start({ config, modules, migrate: argv.migrate !== false }), forceAfterMs);
    } finally {
      setTimeout(() => process.exit(), GRACE_MS).unref();
    }
  },
};

/**
 * Starts something and stops it on the first SIGINT or SIGTERM (a second one exits at once). A supervised
 * child also stops when its supervisor goes away (its stdin closes).
 */
async function runUntilSignal(start: () => Promise<Stoppable>, forceAfterMs: number): Promise<void> {
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
  const orphaned = () => onSignal('SIGTERM');
  if (process.env[supervisedEnv] === '1') process.stdin.once('close', orphaned).resume();
  let running: Stoppable;
  try {
    running = await start();
  } catch (error) {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    process.stdin.off('close', orphaned);
    throw error;
  }
  let failure: unknown;
  const failed = running.failed?.catch((err: unknown) => void (failure = err));
  await (failed ? Promise.race([signalled, failed]) : signalled);
  const timer = setTimeout(
    () => forceExit(`stopping took longer than ${forceAfterMs} ms (shutdown.timeoutMs + ${GRACE_MS} ms); exiting now`),
    forceAfterMs,
  );
  try {
    await running.stop();
  } finally {
    clearTimeout(timer);
    process.stdin.off('close', orphaned).destroy();
  }
  if (failure) throw failure;
}

function forceExit(message: string): never {
  process.stderr.write(`cleave: ${message}\n`);
  process.exit(1);
}
