import type { ModuleDefinition } from '../../kernel/module.js';
import { list, print, printJson, table } from '../output.js';
import { buildModules, type Command } from '../options.js';

/** What `cleave modules` reports about one module. */
export interface ModuleSummary {
  name: string;
  commands: string[];
  queries: string[];
  events: Array<{ name: string; consumedBy: string[] }>;
  /** Events of other modules this one consumes, as `<module>.<event>`. */
  consumes: string[];
}

/** `cleave modules`: each module of the build with its operations, events and who consumes what. */
export const modulesCommand: Command = {
  builder: (yargs) => yargs.option('json', { type: 'boolean', describe: 'Print JSON' }),
  handler: async (argv) => {
    const summaries = summarize(await buildModules());
    if (argv.json) return printJson(summaries);
    summaries.forEach((summary, index) => print(...(index ? [''] : []), ...describe(summary)));
  },
};

/** Summarizes modules from their contracts and subscriptions. */
export function summarize(definitions: ModuleDefinition[]): ModuleSummary[] {
  const consumes = (d: ModuleDefinition) => (d.subscriptions ?? []).map((s) => `${s.contract.name}.${s.event}`);
  const operations = (d: ModuleDefinition, kind: string) =>
    Object.entries(d.contract.operations).filter(([, op]) => op.kind === kind).map(([name]) => name);
  return definitions.map((d) => ({
    name: d.contract.name,
    commands: operations(d, 'command'),
    queries: operations(d, 'query'),
    events: Object.keys(d.contract.events).map((event) => ({
      name: event,
      consumedBy: definitions
        .filter((other) => consumes(other).includes(`${d.contract.name}.${event}`))
        .map((other) => other.contract.name),
    })),
    consumes: consumes(d),
  }));
}

function describe(summary: ModuleSummary): string[] {
  const events = summary.events.map((e) => `${e.name} (consumed by ${list(e.consumedBy)})`);
  const rows = [
    ['commands', list(summary.commands)],
    ['queries', list(summary.queries)],
    ...(events.length ? events : ['none']).map((text, i) => [i ? '' : 'events', text]),
    ['consumes', list(summary.consumes)],
  ];
  return [summary.name, ...table(rows).map((line) => `  ${line}`)];
}
