import { defineContract, defineModule, on, type Contract, type ModuleDefinition } from '../../src/index.js';

/** One event as the probe received it. */
export interface Received<C extends Contract, D> {
  event: keyof C['events'] & string;
  data: D;
}

/**
 * A consumer module, named `<module>-probe`, that records every event of `contract` it receives, as any other
 * module would receive them: host it next to the module under test and read `received`.
 */
export function eventProbe<C extends Contract, D = unknown>(contract: C): { module: ModuleDefinition; received: Array<Received<C, D>> } {
  type Name = keyof C['events'] & string;
  const received: Array<Received<C, D>> = [];
  const record = (event: Name) => on(contract, event, () => async (data) => void received.push({ event, data: data as D }));
  const module = defineModule({
    contract: defineContract({ name: `${contract.name}-probe`, version: '1.0.0', operations: {}, events: {} }),
    handlers: {},
    subscriptions: (Object.keys(contract.events) as Name[]).map(record),
  });
  return { module, received };
}
