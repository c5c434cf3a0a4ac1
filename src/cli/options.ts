import type { Argv, Options } from 'yargs';
import { ConfigError, loadConfig, type LoadConfigOptions } from '../config/load.js';
import { schemaItems, type CleaveConfig } from '../config/schema.js';
import { selectModules } from '../host/select.js';
import type { ModuleDefinition } from '../kernel/module.js';

/** The options every command receives. */
export interface GlobalArgs {
  config?: string;
  verbose?: boolean;
  [flag: string]: unknown;
}

/**
 * What one command of the CLI does: its flags and its handler. `main` names each command and loads its module
 * only when that command runs, so a command never loads what another one needs.
 */
export interface Command {
  builder: (yargs: Argv<GlobalArgs>) => Argv<unknown>;
  handler: (argv: GlobalArgs) => Promise<void>;
}

/** Flags that set a configuration key, by flag name. */
export const configFlags = {
  modules: 'modules',
  bus: 'bus.transport',
  'mqtt-url': 'bus.mqtt.url',
  'mqtt-ca': 'bus.mqtt.ca',
  instance: 'bus.instance',
  gateway: 'http.gateway',
  'http-port': 'http.port',
  'http-host': 'http.host',
  'data-dir': 'db.dataDir',
  'db-url': 'db.url',
  edge: 'edge.broker',
  'edge-port': 'edge.port',
  'edge-url': 'edge.url',
  'edge-ca': 'edge.ca',
  'edge-tls-port': 'edge.tlsPort',
  'edge-plaintext': 'edge.plaintext',
  'tls-cert': 'tls.cert',
  'tls-key': 'tls.key',
  'log-level': 'log.level',
} as const;

/** A flag that sets a configuration key. */
export type ConfigFlag = keyof typeof configFlags;

/** The flags that say which modules and where their stores are (`migrate`, `dlq`). */
export const storeFlags: ConfigFlag[] = ['modules', 'data-dir', 'db-url'];

/** Adds config-setting flags to a command (all of them by default); their help is the key's schema doc. */
export function withConfigFlags<T>(yargs: Argv<T>, flags: ConfigFlag[] = Object.keys(configFlags) as ConfigFlag[]) {
  const options: Record<string, Options> = {};
  for (const flag of flags) {
    const key = configFlags[flag];
    const item = schemaItems.get(key)!;
    const choices = Array.isArray(item.format) ? ` One of ${item.format.join(', ')}.` : '';
    const boolean = item.format === 'cleave-bool';
    options[flag] = {
      type: boolean ? 'boolean' : 'string',
      requiresArg: !boolean,
      describe: `${item.doc}${choices} Sets ${key} (env ${item.env}).`,
      defaultDescription: Array.isArray(item.default) ? item.default.join(',') : JSON.stringify(item.default),
    };
  }
  return yargs.options(options);
}

/** The configuration overrides of the flags the user gave, by dotted key. */
export function overridesFrom(argv: Record<string, unknown>): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(configFlags)) {
    if (argv[flag] !== undefined) overrides[key] = argv[flag];
  }
  return overrides;
}

/** What a command runs with: the configuration, the build's modules and those the configuration selects. */
export interface Resolved {
  config: CleaveConfig;
  modules: ModuleDefinition[];
  selected: ModuleDefinition[];
}

/** The build's modules, loaded on first use so that `--help` and usage errors stay fast. */
export async function buildModules(): Promise<ModuleDefinition[]> {
  return (await import('../../modules/index.js')).modules;
}

/** Loads the modules of a build. */
export type BuildLoader = () => Promise<ModuleDefinition[]>;

/** Where `main` puts its build loader in the parsed arguments (a symbol: no flag can set it). */
export const buildKey = Symbol('build');

/**
 * The configuration of a command: files, environment, then the flags; the modules it names must exist.
 * @throws {ConfigError} on a bad key, value or module name.
 */
export async function resolveConfig(argv: GlobalArgs): Promise<Resolved> {
  const modules = await ((argv as { [buildKey]?: BuildLoader })[buildKey] ?? buildModules)();
  const config = loadFromFlags({ configFile: argv.config, overrides: overridesFrom(argv), modules });
  return { config, modules, selected: selectModules(modules, config.modules) };
}

function loadFromFlags(options: LoadConfigOptions): CleaveConfig {
  try {
    return loadConfig(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.message.replaceAll(' from overrides', ' from a command-line flag'), { cause: error });
  }
}
