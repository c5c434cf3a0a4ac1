import type { ModuleDefinition } from '../kernel/module.js';

/** One module as its contract and subscriptions describe it: what `cleave modules` reports. */
export interface ModuleSummary {
  name: string;
  commands: string[];
  queries: string[];
  events: Array<{ name: string; consumedBy: string[] }>;
  /** Events of other modules this one consumes, as `<module>.<event>`. */
  consumes: string[];
  /** Operations of other modules this one calls, as `<module>.<operation>` (its `calls`). */
  calls: string[];
}

/** Summarizes modules from their contracts, subscriptions and calls. */
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
    calls: (d.calls ?? []).flatMap((c) => c.operations.map((operation) => `${c.contract.name}.${operation}`)),
  }));
}
