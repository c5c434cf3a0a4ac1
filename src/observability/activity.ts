import type { Metrics } from './metrics.js';

/** What one process counted for one module since it started. */
export interface ModuleCounts {
  /** Requests to the module's operations this process sent (each call is counted once, by its caller). */
  requests: number;
  /** Failed requests, and events the module's inbox here had to retry or gave up on. */
  errors: number;
  /** Events the module's inbox here handled. */
  eventsHandled: number;
  /** Events of the module this process's outbox relay dispatched. */
  eventsPublished: number;
}

/**
 * A process's activity: its counters per module at one moment (epoch ms). Counters only grow, so two successive
 * summaries of one process give its rates; summed over the processes, those are the deployment's.
 */
export interface Activity {
  at: number;
  modules: Record<string, ModuleCounts>;
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
}

const moduleOf = (qualified: unknown) => String(qualified).split('.')[0];

/** The activity of the process whose metrics are `metrics`, read from its bus counters. */
export async function activityOf(metrics: Metrics, at = Date.now()): Promise<Activity> {
  const modules: Record<string, ModuleCounts> = {};
  const of = (module: string) => (modules[module] ??= { requests: 0, errors: 0, eventsHandled: 0, eventsPublished: 0 });
  const samples = async (metric: { get(): Promise<{ values: Sample[] }> }) => (await metric.get()).values;
  for (const { labels, value } of await samples(metrics.busRequests)) {
    const counts = of(moduleOf(labels.operation));
    counts.requests += value;
    if (labels.code !== 'OK') counts.errors += value;
  }
  for (const { labels, value } of await samples(metrics.eventsHandled)) {
    const counts = of(String(labels.consumer));
    if (labels.outcome === 'done') counts.eventsHandled += value;
    else counts.errors += value;
  }
  for (const { labels, value } of await samples(metrics.eventsPublished)) of(moduleOf(labels.type)).eventsPublished += value;
  return { at, modules };
}
