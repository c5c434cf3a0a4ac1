import { Gauge } from 'prom-client';
import type { Metrics } from '../observability/metrics.js';

/**
 * One readiness check. It resolves (or returns) nothing when its part is ready, and a reason when it is not;
 * throwing counts as not ready, with the error's message as the reason.
 */
export type ReadinessCheck = () => Promise<string | undefined> | string | undefined;

/** What `GET /readyz` reports: ready only when every check is `ok`; each other check says why. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
}

export interface ReadinessOptions {
  metrics?: Metrics;
  /** How long a report is reused, in milliseconds (default 1000). */
  cacheMs?: number;
  /** How long one check may take before it counts as failed, in milliseconds (default 1000). */
  timeoutMs?: number;
}

/**
 * The readiness of a host, from named checks. Guarantee: a report is never older than `cacheMs`, and never
 * takes longer than `timeoutMs` to make, whatever a check does: every check runs at once, and one that has not
 * answered in time counts as failed. Concurrent callers share one evaluation. Each check's outcome is also a
 * gauge, `cleave_readiness_check{check}`: 1 ready, 0 not, as of the last evaluation (a scrape evaluates too).
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  private readonly gauge?: Gauge<'check'>;
  private last?: { at: number; report: ReadinessReport };
  private running?: Promise<ReadinessReport>;

  constructor(options: ReadinessOptions = {}) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 1000;
    if (options.metrics) {
      const readiness = this;
      this.gauge = new Gauge({
        name: 'cleave_readiness_check',
        help: 'Readiness of each part of the host (1 ready, 0 not), by check.',
        labelNames: ['check'] as const,
        registers: [options.metrics.registry],
        async collect() {
          await readiness.report();
        },
      });
    }
  }

  /** Adds (or replaces) a named check. */
  add(name: string, check: ReadinessCheck): this {
    this.checks.set(name, check);
    this.last = undefined;
    return this;
  }

  /** Removes a check, e.g. when its part stops on purpose. */
  remove(name: string): void {
    this.checks.delete(name);
    this.gauge?.remove({ check: name });
    this.last = undefined;
  }

  /** The current report: the cached one while it is fresh, else a new evaluation. */
  report(): Promise<ReadinessReport> {
    if (this.last && Date.now() - this.last.at < this.cacheMs) return Promise.resolve(this.last.report);
    this.running ??= this.evaluate().finally(() => (this.running = undefined));
    return this.running;
  }

  private async evaluate(): Promise<ReadinessReport> {
    const entries = [...this.checks];
    const outcomes = await Promise.all(entries.map(([, check]) => this.run(check)));
    const checks: Record<string, string> = {};
    entries.forEach(([name], i) => {
      checks[name] = outcomes[i] ?? 'ok';
      this.gauge?.set({ check: name }, outcomes[i] === undefined ? 1 : 0);
    });
    const report = { ready: outcomes.every((outcome) => outcome === undefined), checks };
    this.last = { at: Date.now(), report };
    return report;
  }

  private async run(check: ReadinessCheck): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
    });
    try {
      const outcome = await Promise.race([Promise.resolve().then(check), late]);
      return outcome === undefined || outcome === '' ? undefined : outcome;
    } catch (err) {
      return (err as Error)?.message || String(err);
    } finally {
      clearTimeout(timer);
    }
  }
}
