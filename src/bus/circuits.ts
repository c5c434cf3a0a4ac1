import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Logger } from 'pino';
import { CleaveError, isOutage, type ErrorData } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { Reply } from './transport.js';

/** When a target module's circuit opens and when it is tried again (`bus.breaker.*`). */
export interface BreakerSettings {
  /** Consecutive unhealthy outcomes that open a module's circuit; 0 turns circuit breaking off. */
  failures: number;
  /** Milliseconds an open circuit refuses calls before one probe call may go through. */
  halfOpenAfterMs: number;
}

/** The circuits of one process that are not closed, by target module: what presence and `cleave status` show. */
export type OpenCircuits = Record<string, 'open' | 'half-open'>;

export interface CircuitsOptions {
  log: Logger;
  metrics?: Metrics;
  /** Called with every circuit that is not closed, each time one changes state. */
  onChange?(circuits: OpenCircuits): void;
}

/** Codes that say the target is unhealthy: it did not answer in time, or said it cannot serve now. */
const unhealthyCodes = new Set<string>(['DEADLINE_EXCEEDED', 'UNAVAILABLE']);

/**
 * A caller's mistake or a business answer (invalid, not found, forbidden, conflict, ...) is a healthy reply:
 * only timeouts, UNAVAILABLE and transport errors count towards opening a circuit.
 */
const unhealthyPolicy = handleWhen((err) => (err instanceof CleaveError ? unhealthyCodes.has(err.code) : isOutage(err)))
  .orWhenResult((reply) => !(reply as Reply).ok && unhealthyCodes.has((reply as { error: ErrorData }).error.code));

const stateNames: Partial<Record<CircuitState, OpenCircuits[string]>> = {
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/** One target module's breaker, and when it last opened (cockatiel keeps its own copy private). */
interface Circuit {
  policy: CircuitBreakerPolicy;
  openedAt: number;
}

/**
 * One circuit breaker per target module (cockatiel's, counting consecutive unhealthy outcomes). A module that
 * keeps timing out or answering UNAVAILABLE is refused at once with UNAVAILABLE and a retry-after, instead of
 * making every caller wait for its timeout; after `halfOpenAfterMs` one probe call goes through (the others are
 * still refused meanwhile): success closes the circuit, failure opens it again.
 */
export class Circuits {
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly settings: BreakerSettings,
    private readonly options: CircuitsOptions,
  ) {}

  /** Sends a call to `module` through its circuit: the reply of `send`, or an UNAVAILABLE refusal. */
  async call(module: string, send: () => Promise<Reply>): Promise<Reply> {
    const circuit = this.circuit(module);
    const { state } = circuit.policy;
    const waiting = circuit.openedAt + this.settings.halfOpenAfterMs - Date.now();
    // Cockatiel lets calls during a half-open probe wait for its outcome: here they fail fast like the rest.
    if (state === CircuitState.HalfOpen || (state === CircuitState.Open && waiting > 0)) return this.refuse(module, waiting);
    try {
      return await circuit.policy.execute(send);
    } catch (err) {
      if (err instanceof BrokenCircuitError) return this.refuse(module, waiting);
      throw err;
    }
  }

  /** The circuits that are not closed, by module. */
  notClosed(): OpenCircuits {
    const found: OpenCircuits = {};
    for (const [module, { policy }] of this.circuits) {
      const name = stateNames[policy.state];
      if (name) found[module] = name;
    }
    return found;
  }

  private refuse(module: string, waitingMs: number): Reply {
    this.options.metrics?.busCircuitRefused.labels(module).inc();
    const retryAfterMs = Math.max(0, Math.ceil(waitingMs));
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    const message = `module "${module}" is not answering (its circuit is open after repeated timeouts or failures); retry in ${retryAfterSeconds} s`;
    return { ok: false, error: { code: 'UNAVAILABLE', message, details: { module, retryAfterMs, retryAfterSeconds } } };
  }

  private circuit(module: string): Circuit {
    let circuit = this.circuits.get(module);
    if (circuit) return circuit;
    const policy = circuitBreaker(unhealthyPolicy, {
      halfOpenAfter: this.settings.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.settings.failures),
    });
    const made: Circuit = { policy, openedAt: 0 };
    const { log, metrics, onChange } = this.options;
    const gauge = metrics?.busCircuitState.labels(module);
    gauge?.set(CircuitState.Closed);
    policy.onBreak(() => {
      made.openedAt = Date.now();
      log.warn({ module, retryAfterMs: this.settings.halfOpenAfterMs }, 'circuit opened: calls to the module fail fast until a probe call succeeds');
    });
    policy.onReset(() => log.info({ module }, 'circuit closed: the module answers again'));
    policy.onStateChange((state) => {
      gauge?.set(state === CircuitState.Isolated ? CircuitState.Open : state);
      onChange?.(this.notClosed());
    });
    this.circuits.set(module, made);
    return made;
  }
}
