import type { InstanceInfo } from '../bus/presence.js';
import type { Activity, ModuleCounts } from '../observability/activity.js';

/** Per second, over the span between an instance's last two activity summaries. */
export interface ModuleRates {
  requests: number;
  events: number;
  errors: number;
}

const counted = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);

/**
 * The deployment's rates per module, from the activity summaries instances put in their presence: it keeps each
 * instance's last two distinct summaries and sums, over the instances, what grew between them per second. An
 * instance seen once has no rate yet; one that left is forgotten.
 */
export class RateBook {
  private readonly summaries = new Map<string, { previous?: Activity; latest: Activity }>();

  /**
   * Takes the summaries of the live instances and answers the rates per module; `measured` is false until some
   * instance sent two summaries (a module without activity then has no entry: its rates are zero).
   */
  update(instances: InstanceInfo[]): { measured: boolean; modules: Map<string, ModuleRates> } {
    const live = new Set<string>();
    for (const { instanceId, activity } of instances) {
      live.add(instanceId);
      if (!activity || typeof activity.at !== 'number' || typeof activity.modules !== 'object' || activity.modules === null) continue;
      const known = this.summaries.get(instanceId);
      if (!known) this.summaries.set(instanceId, { latest: activity });
      else if (activity.at > known.latest.at) this.summaries.set(instanceId, { previous: known.latest, latest: activity });
    }
    for (const id of this.summaries.keys()) if (!live.has(id)) this.summaries.delete(id);
    return { measured: [...this.summaries.values()].some((s) => s.previous), modules: this.rates() };
  }

  private rates(): Map<string, ModuleRates> {
    const rates = new Map<string, ModuleRates>();
    for (const { previous, latest } of this.summaries.values()) {
      if (!previous) continue;
      const seconds = (latest.at - previous.at) / 1000;
      for (const [module, now] of Object.entries(latest.modules)) {
        const before: Partial<ModuleCounts> = previous.modules[module] ?? {};
        const grew = (key: keyof ModuleCounts) => Math.max(0, counted(now?.[key]) - counted(before[key])) / seconds;
        const sum = rates.get(module) ?? { requests: 0, events: 0, errors: 0 };
        sum.requests += grew('requests');
        sum.events += grew('eventsHandled') + grew('eventsPublished');
        sum.errors += grew('errors');
        rates.set(module, sum);
      }
    }
    return rates;
  }
}
