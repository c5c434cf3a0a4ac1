import type { Argv } from 'yargs';
import { cleaveVersion } from '../version.js';
import { buildKey, buildModules, type BuildLoader, type Command, type GlobalArgs } from './options.js';
import { describeUnknown, exitCodeOf, isMissingCommand, missingCommand, printError, UsageError } from './output.js';
import { declaredFlags, globalFlags, plainArgs } from './plain-args.js';

export { useImporter } from '../files.js';

/** One command as the help lists it; its module is loaded only when it runs (or shows its own help). */
interface CommandEntry {
  command: string;
  describe: string;
  load: () => Promise<Command>;
}

const commands: CommandEntry[] = [
  {
    command: 'start',
    describe: 'Run a host: the selected modules, their HTTP routes and the bus',
    load: async () => (await import('./commands/start.js')).startCommand,
  },
  {
    command: 'status',
    describe: 'List the live instances on the MQTT bus: what each hosts and where it serves HTTP',
    load: async () => (await import('./commands/status.js')).statusCommand,
  },
  {
    command: 'migrate [action]',
    describe: "Apply, roll back or show the selected modules' migrations",
    load: async () => (await import('./commands/migrate.js')).migrateCommand,
  },
  {
    command: 'modules',
    describe: 'List the modules of this build: commands, queries, events, their consumers and calls',
    load: async () => (await import('./commands/modules.js')).modulesCommand,
  },
  {
    command: 'graph',
    describe: 'Draw who calls whom and who consumes which events (--format mermaid or dot)',
    load: async () => (await import('./commands/graph.js')).graphCommand,
  },
  {
    command: 'asyncapi',
    describe: 'Print the AsyncAPI 3.0 document of the bus and the device API',
    load: async () => (await import('./commands/asyncapi.js')).asyncapiCommand,
  },
  {
    command: 'config',
    describe: 'Print the resolved configuration (secrets redacted), or every key with --keys',
    load: async () => (await import('./commands/config.js')).configCommand,
  },
  {
    command: 'dlq',
    describe: 'List or replay dead letters (events a consumer gave up on)',
    load: async () => (await import('./commands/dlq.js')).dlqCommand,
  },
  {
    command: 'device <action>',
    describe: 'Simulated edge devices: cleave device simulate --devices N --rate R --duration S',
    load: async () => (await import('./commands/device.js')).deviceCommand,
  },
  {
    command: 'contracts <action>',
    describe: 'Snapshot the contracts (contracts/<module>.json), or check them for breaking changes',
    load: async () => (await import('./commands/contracts.js')).contractsCommand,
  },
];
const names = commands.map((entry) => entry.command.split(' ')[0]);

/**
 * Runs the `cleave` command line with `argv` (the arguments after the script) and resolves to its exit code,
 * also set as `process.exitCode`: 0 success, 1 failure at run time, 2 bad usage or configuration. `build`
 * loads the modules of the build (default: `modules/index.ts`); tests plant other builds with it.
 */
export async function main(argv: string[] = process.argv.slice(2), build: BuildLoader = buildModules): Promise<number> {
  let code = 0;
  try {
    const word = commandWord(argv);
    const named = commands.find((entry) => entry.command.split(' ')[0] === word);
    const command = named && (await named.load());
    const flags = command && declaredFlags(command);
    const plain = flags && plainArgs(argv, word!, flags);
    if (plain) await command.handler({ ...plain, [buildKey]: build });
    else await (await buildCli(argv, word, named, command)).parseAsync(argv, { [buildKey]: build });
  } catch (error) {
    printError(error, argv.some((arg) => arg === '--verbose' || arg === '--verbose=true'));
    code = exitCodeOf(error);
  }
  process.exitCode = code;
  return code;
}

/** The yargs parser of the whole command line; `named` (the command `word` names) is the one loaded, as `loaded`. */
async function buildCli(argv: string[], word: string | undefined, named: CommandEntry | undefined, loaded: Command | undefined): Promise<Argv<GlobalArgs>> {
  const { default: yargs } = await import('yargs');
  let cli = yargs(argv)
    .scriptName('cleave')
    .usage('$0 <command> [options]')
    .options(globalFlags)
    .version(cleaveVersion)
    .help()
    .strict()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .demandCommand(1, missingCommand('cleave'))
    .epilogue('Exit codes: 0 success, 1 failure at run time, 2 bad usage or configuration.')
    .parserConfiguration({ 'camel-case-expansion': false })
    .fail((message, error, parser) => {
      if (error) throw error;
      if (isMissingCommand(message)) parser.showHelp((help) => process.stderr.write(`${help}\n\n`));
      if (word !== undefined && !names.includes(word)) {
        throw new UsageError(`unknown command "${word}": the commands are ${names.join(', ')} (see cleave --help)`);
      }
      throw new UsageError(`${describeUnknown(message, argv)} (see cleave --help)`);
    }) as Argv<GlobalArgs>;
  for (const entry of commands) {
    const command = entry === named ? loaded! : undefined;
    // A command other than the one named by `word` runs only when `word` was a flag's value: it is loaded then.
    const run = async (args: GlobalArgs) => (command ?? (await entry.load())).handler(args);
    cli = cli.command(entry.command, entry.describe, command?.builder ?? {}, (args) => run(args as GlobalArgs));
  }
  skipHelpInAdvance(cli);
  return cli;
}

interface YargsInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * yargs renders the help of the command it is about to run and keeps it, in case the command later asks for it;
 * no command of Cleave does, and rendering it (string widths of every flag's text) took a tenth of a second of each
 * `cleave start`. Help asked for (`--help`, a missing command) is rendered when it is shown, as before.
 */
function skipHelpInAdvance(cli: Argv<GlobalArgs>): void {
  const usage = (cli as unknown as YargsInternals).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--config') i += 1;
    else if (argv[i] === '--') return argv[i + 1];
    else if (!argv[i].startsWith('-')) return argv[i];
  }
  return undefined;
}
