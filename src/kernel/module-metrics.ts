/** A counter a module keeps in its host's `/metrics`. */
export interface ModuleCounter<L extends string = string> {
  inc(labels?: Partial<Record<L, string>>, value?: number): void;
}

/**
 * A module's own metrics, served with the host's at `/metrics` and named after the module, so modules never
 * collide: `counter('state_changes', …)` of the module `commands` is `cleave_commands_state_changes_total`.
 */
export interface ModuleMetrics {
  /** The counter `cleave_<module>_<name>_total`; asking again for the same name gives the same counter. */
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): ModuleCounter<L>;
}
