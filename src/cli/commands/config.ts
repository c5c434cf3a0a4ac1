import { describeKeys, redact } from '../../config/load.js';
import { print, printJson, table } from '../output.js';
import { buildModules, resolveConfig, withConfigFlags, type Command } from '../options.js';

/** `cleave config`: the configuration a start with the same flags would use (the kernel's keys and every module's), secrets redacted. */
export const configCommand: Command = {
  builder: (yargs) =>
    withConfigFlags(yargs).options({
      keys: { type: 'boolean', describe: 'List every key with its env variable, default and doc' },
      json: { type: 'boolean', describe: 'Print JSON (the configuration is always JSON)' },
      migrate: { type: 'boolean', hidden: true },
      gateway: { type: 'boolean', hidden: true },
      split: { type: 'boolean', hidden: true },
    }),
  handler: async (argv) => {
    if (argv.keys) {
      const keys = describeKeys(await buildModules());
      if (argv.json) return printJson(keys);
      const rows = keys.map((k) => [k.key, k.env, JSON.stringify(k.default), k.doc]);
      return print(...table(rows, ['KEY', 'ENV', 'DEFAULT', 'DOC']));
    }
    const { config, modules } = await resolveConfig(argv);
    printJson(redact(config, modules));
  },
};
