import type { Argv } from 'yargs';
import { listDeadLetters, replayDeadLetters } from '../../bus/dead-letters.js';
import { missingCommand, print, printJson, table } from '../output.js';
import { resolveConfig, storeFlags, withConfigFlags, type Command, type GlobalArgs } from '../options.js';
import { forEachDatabase } from '../databases.js';

/** `cleave dlq list|replay`: the events consumers gave up on, per module. */
export const dlqCommand: Command = {
  builder: (yargs) =>
    yargs
      .command('list', 'List the dead letters of the selected modules', listFlags, (argv) => list(argv as GlobalArgs))
      .command('replay', 'Put dead letters back in the inbox to be retried', replayFlags, (argv) =>
        replay(argv as GlobalArgs),
      )
      .demandCommand(1, missingCommand('dlq')),
  handler: async () => undefined,
};

function listFlags(yargs: Argv) {
  return withConfigFlags(yargs, storeFlags).option('json', { type: 'boolean', describe: 'Print JSON' });
}

function replayFlags(yargs: Argv) {
  return withConfigFlags(yargs, storeFlags).option('id', {
    type: 'string',
    array: true,
    requiresArg: true,
    describe: 'Replay only the dead letter with this id (repeatable)',
  });
}

async function list(argv: GlobalArgs): Promise<void> {
  const { config, selected } = await resolveConfig(argv);
  const letters = (
    await forEachDatabase(config, selected, async ({ name, db }) =>
      (await listDeadLetters(db)).map((letter) => ({ module: name, ...letter })),
      { migrate: true },
    )
  ).flat();
  if (argv.json) return printJson(letters);
  if (letters.length === 0) return print(`no dead letters in ${selected.map((d) => d.contract.name).join(', ')}`);
  const rows = letters.map((l) => [l.module, l.id, l.type, String(l.attempts), l.failedAt, l.error]);
  print(...table(rows, ['MODULE', 'ID', 'TYPE', 'ATTEMPTS', 'FAILED AT', 'ERROR']));
}

async function replay(argv: GlobalArgs): Promise<void> {
  const { config, selected } = await resolveConfig(argv);
  const ids = argv.id as string[] | undefined;
  const replayed = await forEachDatabase(
    config,
    selected,
    async ({ name, db }) => ({ module: name, ids: await replayDeadLetters(db, ids) }),
    { migrate: true },
  );
  for (const { module, ids: done } of replayed) print(`${module}: ${done.length} replayed`);
  if (replayed.some((r) => r.ids.length)) print('a running host retries them within a second');
  const missing = (ids ?? []).filter((id) => !replayed.some((r) => r.ids.includes(id)));
  if (missing.length) throw new Error(`no dead letter with id ${missing.join(', ')}`);
}
