import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cleaveVersion } from '../version.js';
import { configCommand } from './commands/config.js';
import { deviceCommand } from './commands/device.js';
import { dlqCommand } from './commands/dlq.js';
import { migrateCommand } from './commands/migrate.js';
import { modulesCommand } from './commands/modules.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { buildKey, buildModules, type BuildLoader, type Command, type GlobalArgs } from './options.js';
import { describeUnknown, exitCodeOf, isMissingCommand, missingCommand, printError, UsageError } from './output.js';

const commands: Command[] = [startCommand, statusCommand, migrateCommand, modulesCommand, configCommand, dlqCommand, deviceCommand];
const names = commands.map((command) => command.command.split(' ')[0]);

/**
 * Runs the `cleave` command line with `argv` (the arguments after the script) and resolves to its exit code,
 * also set as `process.exitCode`: 0 success, 1 failure at run time, 2 bad usage or configuration. `build`
 * loads the modules of the build (default: `modules/index.ts`); tests plant other builds with it.
 */
export async function main(argv: string[] = hideBin(process.argv), build: BuildLoader = buildModules): Promise<number> {
  let code = 0;
  try {
    await buildCli(argv).parseAsync(argv, { [buildKey]: build });
  } catch (error) {
    printError(error, argv.some((arg) => arg === '--verbose' || arg === '--verbose=true'));
    code = exitCodeOf(error);
  }
  process.exitCode = code;
  return code;
}

function buildCli(argv: string[]): Argv<GlobalArgs> {
  let cli = yargs(argv)
    .scriptName('cleave')
    .usage('$0 <command> [options]')
    .options({
      config: { type: 'string', requiresArg: true, global: true, describe: 'A further JSON config file' },
      verbose: { type: 'boolean', global: true, describe: 'Print stack traces with errors' },
    })
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
      const word = commandWord(argv);
      if (word !== undefined && !names.includes(word)) {
        throw new UsageError(`unknown command "${word}": the commands are ${names.join(', ')} (see cleave --help)`);
      }
      throw new UsageError(`${describeUnknown(message, argv)} (see cleave --help)`);
    }) as Argv<GlobalArgs>;
  for (const command of commands) {
    const { handler } = command;
    cli = cli.command(command.command, command.describe, command.builder, (args) => handler(args as GlobalArgs));
  }
  return cli;
}

function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--config') i += 1;
    else if (argv[i] === '--') return argv[i + 1];
    else if (!argv[i].startsWith('-')) return argv[i];
  }
  return undefined;
}
