import { summarize, type ModuleSummary } from '../../docs/summary.js';
import { list, print, printJson, table } from '../output.js';
import { buildModules, type Command } from '../options.js';

/** `cleave modules`: each module of the build with its operations, events and who consumes and calls what. */
export const modulesCommand: Command = {
  builder: (yargs) => yargs.option('json', { type: 'boolean', describe: 'Print JSON' }),
  handler: async (argv) => {
    const summaries = summarize(await buildModules());
    if (argv.json) return printJson(summaries);
    summaries.forEach((summary, index) => print(...(index ? [''] : []), ...describe(summary)));
  },
};

function describe(summary: ModuleSummary): string[] {
  const events = summary.events.map((e) => `${e.name} (consumed by ${list(e.consumedBy)})`);
  const rows = [
    ['commands', list(summary.commands)],
    ['queries', list(summary.queries)],
    ...(events.length ? events : ['none']).map((text, i) => [i ? '' : 'events', text]),
    ['consumes', list(summary.consumes)],
    ['calls', list(summary.calls)],
  ];
  return [summary.name, ...table(rows).map((line) => `  ${line}`)];
}
