import test from 'ava';
import fc from 'fast-check';
import yargs from 'yargs';
import { configCommand } from '../src/cli/commands/config.js';
import { migrateCommand } from '../src/cli/commands/migrate.js';
import { startCommand } from '../src/cli/commands/start.js';
import type { Command, GlobalArgs } from '../src/cli/options.js';
import { declaredFlags, globalFlags, plainArgs } from '../src/cli/plain-args.js';

/** What yargs hands the command's handler for `argv`, with main's settings; undefined when it refuses the line. */
async function viaYargs(argv: string[], word: string, command: Command): Promise<GlobalArgs | undefined> {
  let handed: GlobalArgs | undefined;
  try {
    await yargs(argv)
      .options(globalFlags)
      .strict()
      .exitProcess(false)
      .parserConfiguration({ 'camel-case-expansion': false })
      .fail((message, error) => {
        throw error ?? new Error(message);
      })
      .command(word, '', command.builder, (args) => void (handed = args as GlobalArgs))
      .parseAsync();
  } catch {
    return undefined;
  }
  return handed;
}

const startFlags = declaredFlags(startCommand)!;
const pick = (args: GlobalArgs | undefined) => args && Object.fromEntries(Object.keys(startFlags).concat('_').map((name) => [name, args[name]]));

const plainLines = [
  [],
  ['--modules', 'identity,devices'],
  ['--modules=identity'],
  ['--no-migrate'],
  ['--migrate=false', '--split'],
  ['--http-port', '0', '--http-host', '127.0.0.1', '--edge', 'off', '--data-dir', './data'],
  ['--verbose', '--config', 'cleave.json', '--log-level=debug'],
  ['--edge-plaintext=false', '--gateway', '--bus', 'mqtt', '--mqtt-url', 'mqtt://127.0.0.1:1884'],
];

test('when start is given plain flags, then it gets the same arguments as yargs would hand it', async (t) => {
  for (const line of plainLines) {
    const argv = ['start', ...line];
    const plain = plainArgs(argv, 'start', startFlags);
    t.truthy(plain, argv.join(' '));
    t.deepEqual(pick(plain), pick(await viaYargs(argv, 'start', startCommand)), argv.join(' '));
  }
});

test('when a command line is not plain, then it is left to yargs', (t) => {
  const others = [
    ['--help'], ['-h'], ['--version'], ['--bogus'], ['extra'], ['--modules', 'a', '--modules', 'b'],
    ['--migrate', 'false'], ['--http-port', '-1'], ['--http-port'], ['--http-port='], ['--no-modules'], ['--no-migrate=true'], ['--'],
  ];
  for (const line of others) t.is(plainArgs(['start', ...line], 'start', startFlags), undefined, line.join(' '));
});

test('when a command has positionals or sub-commands, then its lines are left to yargs', (t) => {
  t.is(declaredFlags(migrateCommand), undefined);
  t.truthy(declaredFlags(configCommand));
});

test('when any command line of start is parsed without yargs, then the arguments are the ones yargs hands over', async (t) => {
  const names = Object.keys(startFlags);
  const value = fc.constantFrom('x', '0', '1883', 'true', 'false', 'a,b', 'mqtt://h:1', '', '-1', '--modules', 'no');
  const token = fc.oneof(
    fc.tuple(fc.constantFrom(...names), value).map(([name, v]) => [`--${name}`, v]),
    fc.tuple(fc.constantFrom(...names), value).map(([name, v]) => [`--${name}=${v}`]),
    fc.constantFrom(...names).map((name) => [`--${name}`]),
    fc.constantFrom(...names).map((name) => [`--no-${name}`]),
    value.map((v) => [v]),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(token, { maxLength: 5 }), async (tokens) => {
      const argv = ['start', ...tokens.flat()];
      const plain = plainArgs(argv, 'start', startFlags);
      if (plain) t.deepEqual(pick(plain), pick(await viaYargs(argv, 'start', startCommand)), argv.join(' '));
    }),
    { numRuns: 400 },
  );
});
