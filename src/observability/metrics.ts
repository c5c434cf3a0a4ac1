import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HotCounter, HotHistogram } from './hot-metrics.js';

/** The metrics of one host, in a registry of its own so several hosts can live in one process. */
export class Metrics {
  readonly registry = new Registry();
  readonly busRequests = new HotCounter(
    'cleave_bus_requests_total',
    'Requests sent through the bus, by operation and outcome code.',
    ['operation', 'code'],
    this.registry,
  );
  readonly busHandlerSeconds = new HotHistogram(
    'cleave_bus_handler_seconds',
    'Time spent in request handlers, by operation.',
    ['operation'],
    [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    this.registry,
  );
  readonly busCircuitState = new Gauge({
    name: 'cleave_bus_circuit_state',
    help: 'Circuit of calls to a module hosted elsewhere, by target module: 0 closed, 1 open, 2 half-open (one probe call in flight).',
    labelNames: ['module'] as const,
    registers: [this.registry],
  });
  readonly busCircuitRefused = new Counter({
    name: 'cleave_bus_circuit_refused_total',
    help: 'Calls refused at once because the target module\'s circuit was open, by target module.',
    labelNames: ['module'] as const,
    registers: [this.registry],
  });
  readonly eventsPublished = new Counter({
    name: 'cleave_bus_events_dispatched_total',
    help: 'Outbox events dispatched to the transport, by event type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly eventsHandled = new Counter({
    name: 'cleave_bus_events_handled_total',
    help: 'Inbox events handled, by consumer module, event type and outcome (done, retry, dead).',
    labelNames: ['consumer', 'type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly outboxBacklog = new Gauge({
    name: 'cleave_outbox_backlog',
    help: 'Committed outbox events not yet dispatched, by module (as of the last relay pass).',
    labelNames: ['module'] as const,
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'cleave_dead_letters_total',
    help: 'Events moved to a dead-letter table, by consumer module.',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });
  readonly httpSeconds = new HotHistogram(
    'cleave_http_request_seconds',
    'HTTP request latency, by method, route and status.',
    ['method', 'route', 'status'],
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    this.registry,
  );

  readonly edgeMessages = new Counter({
    name: 'cleave_edge_messages_total',
    help: 'Device messages handled by the edge listener, by outcome (accepted, rejected, rate_limited: refused over the rate limit without a record).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly edgeBatchSize = new Histogram({
    name: 'cleave_edge_commit_messages',
    help: 'Device messages committed per ingest transaction.',
    buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 5000],
    registers: [this.registry],
  });
  readonly edgeConnections = new Gauge({
    name: 'cleave_edge_connected_devices',
    help: 'Devices connected to the embedded broker.',
    registers: [this.registry],
  });
  readonly edgeAuthFailures = new Counter({
    name: 'cleave_edge_auth_failures_total',
    help: 'Refused or closed device connections, by reason (credentials, client_id, blocked, rate, packet_too_large, malformed_header, connect_timeout).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaults?: boolean } = {}) {
    if (options.defaults) collectDefaultMetrics({ register: this.registry });
  }
}
