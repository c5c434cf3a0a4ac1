import type { ModuleMetrics } from '../../src/index.js';
import type { CommandState } from './contract.js';

/** Commands that entered each state, counted after the commit that moved them: `cleave_commands_state_changes_total{state}`. */
export function makeStateChanges({ metrics }: { metrics: ModuleMetrics }) {
  const counter = metrics.counter('state_changes', 'Commands that entered a state (pending, delivered, succeeded, failed, expired, cancelled).', ['state']);
  return {
    entered(state: CommandState, count = 1): void {
      if (count > 0) counter.inc({ state }, count);
    },
  };
}

export type StateChanges = ReturnType<typeof makeStateChanges>;
