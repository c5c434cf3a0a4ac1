import { formatGraph, graphFormats, type GraphFormat } from '../../docs/graph-format.js';
import { moduleGraph } from '../../docs/graph.js';
import { buildModules, buildKey, type BuildLoader, type Command } from '../options.js';
import { print, UsageError } from '../output.js';

/** `cleave graph`: who calls whom and who consumes which events, as Mermaid (default) or Graphviz DOT. */
export const graphCommand: Command = {
  builder: (yargs) => yargs.option('format', { type: 'string', requiresArg: true, describe: `Output format: ${graphFormats.join(' or ')}`, default: 'mermaid' }),
  handler: async (argv) => {
    const format = argv.format as string;
    if (!graphFormats.includes(format as GraphFormat)) {
      throw new UsageError(`--format ${JSON.stringify(format)} is not a graph format: use ${graphFormats.join(' or ')}`);
    }
    const build = (argv as { [buildKey]?: BuildLoader })[buildKey] ?? buildModules;
    print(formatGraph(moduleGraph(await build()), format as GraphFormat));
  },
};
