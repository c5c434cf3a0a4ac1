import { asyncApiDocument, asyncApiOptions } from '../../docs/asyncapi.js';
import { cleaveVersion } from '../../version.js';
import { resolveConfig, withConfigFlags, type Command } from '../options.js';
import { printJson } from '../output.js';

/** `cleave asyncapi`: the AsyncAPI 3.0 document of the bus and the device API, as JSON on stdout. */
export const asyncapiCommand: Command = {
  builder: (yargs) => withConfigFlags(yargs, ['mqtt-url', 'edge', 'edge-port', 'edge-url']),
  handler: async (argv) => {
    const { config, modules } = await resolveConfig(argv);
    printJson(asyncApiDocument(modules, asyncApiOptions(config, cleaveVersion)));
  },
};
