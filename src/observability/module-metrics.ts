import { Counter, type Registry } from 'prom-client';
import type { ModuleCounter, ModuleMetrics } from '../kernel/module-metrics.js';

const metricName = /^[a-z][a-z0-9_]{0,63}$/;

/** The metrics of one hosted module in the host's registry (see `ModuleMetrics`). */
export function moduleMetrics(module: string, registry: Registry): ModuleMetrics {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const counters = new Map<string, ModuleCounter<any>>();
  const prefix = `cleave_${module.replace(/-/g, '_')}_`;
  return {
    counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): ModuleCounter<L> {
      if (!metricName.test(name)) throw new Error(`module "${module}" asks for a metric named "${name}": use ${metricName.source}`);
      const known = counters.get(name);
      if (known) return known;
      const full = `${prefix}${name}_total`;
      const counter = (registry.getSingleMetric(full) as Counter<L> | undefined) ?? new Counter({ name: full, help, labelNames, registers: [registry] });
      const made: ModuleCounter<L> = { inc: (labels = {}, value = 1) => counter.inc(labels, value) };
      counters.set(name, made);
      return made;
    },
  };
}
