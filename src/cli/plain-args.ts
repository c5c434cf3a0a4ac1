import type { Argv, Options } from 'yargs';
import type { Command, GlobalArgs } from './options.js';

/** One flag as a command's builder declares it. */
interface Flag {
  type?: string;
  default?: unknown;
}

/** The flags every command takes. */
export const globalFlags = {
  config: { type: 'string', requiresArg: true, global: true, describe: 'A further JSON config file' },
  verbose: { type: 'boolean', global: true, describe: 'Print stack traces with errors' },
} satisfies Record<string, Options>;

/**
 * The flags `command`'s builder declares, when it declares nothing but flags (no positional, no sub-command):
 * the builder runs against a recorder instead of yargs.
 */
export function declaredFlags(command: Command): Record<string, Flag> | undefined {
  const flags: Record<string, Flag> = { ...globalFlags };
  let plain = true;
  const recorder: Argv<GlobalArgs> = new Proxy({} as Argv<GlobalArgs>, {
    get: (_target, property) => (first: unknown, second: unknown) => {
      if (property === 'options' && typeof first === 'object') Object.assign(flags, first);
      else if (property === 'option' && typeof first === 'string') flags[first] = second as Flag;
      else plain = false;
      return recorder;
    },
  });
  command.builder(recorder);
  return plain ? flags : undefined;
}

/**
 * The arguments yargs would hand a command whose builder declares only flags, for a command line in the plainest
 * form: the command word, then known flags each given once as `--flag value`, `--flag=value`, `--flag` or
 * `--no-flag` (booleans). Anything else (help, version, an unknown, repeated or short flag, a positional, a value
 * that starts with a dash) gives undefined, and yargs parses it, with its messages. Loading yargs costs a good part
 * of a `cleave start` (its help layout compiles a large Unicode regular expression), which this spares.
 */
export function plainArgs(argv: string[], word: string, flags: Record<string, Flag>): GlobalArgs | undefined {
  if (argv[0] !== word) return undefined;
  const given: Record<string, unknown> = {};
  for (let i = 1; i < argv.length; i += 1) {
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(argv[i]);
    if (!match) return undefined;
    const negated = match[1].startsWith('no-') && flags[match[1].slice(3)]?.type === 'boolean';
    const name = negated ? match[1].slice(3) : match[1];
    let value: string | undefined = match[2];
    const flag = flags[name];
    if (!flag || name in given) return undefined;
    if (negated) {
      if (value !== undefined) return undefined;
      given[name] = false;
    } else if (flag.type === 'boolean') {
      if (value === undefined && (argv[i + 1] === 'true' || argv[i + 1] === 'false')) return undefined;
      if (value !== undefined && value !== 'true' && value !== 'false') return undefined;
      given[name] = value === undefined || value === 'true';
    } else if (flag.type === 'string') {
      if (value === undefined) value = argv[(i += 1)];
      if (value === undefined || value === '' || value.startsWith('-')) return undefined;
      given[name] = value;
    } else return undefined;
  }
  const defaults = Object.fromEntries(Object.entries(flags).filter(([, flag]) => flag.default !== undefined).map(([name, flag]) => [name, flag.default]));
  return { _: [word], $0: 'cleave', ...defaults, ...given };
}
