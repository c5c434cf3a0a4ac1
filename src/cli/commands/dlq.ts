import { listDeadLetters, replayDeadLetters } from '../../bus/dead-letters.js';
import { missingCommand, print, printJson, table } from '../output.js';
import { resolveConfig, storeFlags, withConfigFlags, type Command, type GlobalArgs } from '../options.js';
import { forEachStore } from '../stores.js';

/** `cleave dlq list|replay`: the events consumers gave up on, per module. */
export const dlqCommand: Command = {
  command: 'dlq',
  describe: 'List or replay dead letters (events a consumer gave up on)',
  builder: (yargs) =>
    yargs
      .command('list', 'List the dead letters of the selected modules', (y) =>
        withConfigFlags(y, storeFlags).option('json', { type: 'boolean', describe: 'Print JSON' }), (argv) =>
        listCommand(argv as GlobalArgs),
      )
      .command('replay', 'Put dead letters back in the inbox; a running host retries them within a second', (y) =>
        withConfigFlags(y, storeFlags).option('id', {
          type: 'string', array: true, requiresArg: true, describe: 'Replay only these ids (repeatable)',
        }), (argv) => replayCommand(argv as GlobalArgs),
      )
      .demandCommand(1, missingCommand('dlq')),
  handler: async () => undefined,
};

async function listCommand(argv: GlobalArgs): Promise<void> {
  const { config, selected } = await resolveConfig(argv);
  const letters = (
    await forEachStore(config, selected, async ({ name, db }) =>
      (await listDeadLetters(db)).map((letter) => ({ module: name, ...letter })),
      { migrate: true },
    )
  ).flat();
  if (argv.json) return printJson(letters);
  if (letters.length === 0) return print(`no dead letters (${selected.map((d) => d.contract.name).join(', ')})`);
  const rows = letters.map((l) => [l.module, l.id, l.type, String(l.attempts), l.failedAt, l.error]);
  print(...table(rows, ['MODULE', 'ID', 'TYPE', 'ATTEMPTS', 'FAILED AT', 'ERROR']));
}

async function replayCommand(argv: GlobalArgs): Promise<void> {
  const { config, selected } = await resolveConfig(argv);
  const ids = argv.id as string[] | undefined;
  const replayed = await forEachStore(
    config,
    selected,
    async ({ name, db }) => ({ module: name, ids: await replayDeadLetters(db, ids) }),
    { migrate: true },
  );
  for (const { module, ids: done } of replayed) print(`${module}: ${done.length} replayed`);
  const missing = (ids ?? []).filter((id) => !replayed.some((r) => r.ids.includes(id)));
  if (missing.length) throw new Error(`no dead letter with id ${missing.join(', ')}`);
}
