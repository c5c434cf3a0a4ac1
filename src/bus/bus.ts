import type { Logger } from 'pino';
import type { CallOptions, Client, Contract, Operation } from '../contract/contract.js';
import { assertValid } from '../contract/validate.js';
import { CleaveError } from '../errors.js';
import type { CounterChild } from '../observability/hot-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import { authorizeCall } from './access.js';
import { assertSameMajor } from './contract-version.js';
import { Circuits, type BreakerSettings } from './circuits.js';
import { envelope, type Envelope, type MessageContext } from './envelope.js';
import { sendTraced, servedTraced } from './traced.js';
import type { Reply, Transport } from './transport.js';

/** An operation as its callers need it: contract, name, and its counter of successful calls once there is one. */
interface Target {
  spec: Operation;
  name: string;
  inputWhat: string;
  /** The version of the module's contract this build knows, carried with each request. */
  version: string;
  ok?: CounterChild;
}

/** Handles one operation: receives the validated input and the request envelope. */
export type OperationFn = (input: unknown, request: Envelope) => Promise<unknown>;

export interface BusOptions {
  transport: Transport;
  /** Every module's contract, hosted here or not: any process can call any module. */
  contracts: Contract[];
  /** Identifies this process in `source` attributes. */
  instanceId: string;
  requestTimeoutMs: number;
  log: Logger;
  metrics?: Metrics;
  /** Circuit breaking of calls to modules hosted elsewhere; absent or `failures: 0` turns it off. */
  breaker?: BreakerSettings;
}

/**
 * The module-facing side of the bus: typed clients, contract validation at the boundary, stable error codes.
 * Which transport carries the messages is invisible from here.
 */
export class Bus {
  readonly transport: Transport;
  private readonly contracts = new Map<string, Contract>();
  private readonly clients = new Map<Contract, (context: MessageContext) => Client<Contract>>();
  private readonly counters = new Map<string, CounterChild>();
  private readonly targets = new Map<string, Map<string, Target>>();
  private readonly served = new Set<string>();
  private readonly circuits?: Circuits;

  constructor(private readonly options: BusOptions) {
    this.transport = options.transport;
    for (const contract of options.contracts) this.contracts.set(contract.name, contract);
    const { breaker, log, metrics } = options;
    if (breaker?.failures && this.transport.remote) {
      this.circuits = new Circuits(breaker, { log, metrics, onChange: (open) => this.transport.reportCircuits?.(open) });
    }
  }

  /** The contract of a module, or NOT_FOUND. */
  contract(module: string): Contract {
    const contract = this.contracts.get(module);
    if (!contract) throw new CleaveError('NOT_FOUND', `unknown module "${module}"`);
    return contract;
  }

  /** A typed client of `contract` whose calls carry `context` (principal, correlation, trace). */
  client<C extends Contract>(contract: C, context: MessageContext = {}): Client<C> {
    let make = this.clients.get(contract);
    if (!make) {
      make = this.clientFactory(contract);
      this.clients.set(contract, make);
    }
    return make(context) as Client<C>;
  }

  /** Calls `module.operation` with `input`; resolves with the validated output or throws a CleaveError. */
  async call(
    module: string,
    operation: string,
    input: unknown,
    context: MessageContext = {},
    options: CallOptions = {},
  ): Promise<unknown> {
    const target = this.target(module, operation);
    const { spec, name } = target;
    assertValid(spec.input, input, target.inputWhat);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const request = envelope(this.options.instanceId, name, input, context);
    request.deadline = Date.now() + timeoutMs;
    request.contractversion = target.version;
    const send = () => this.transport.request(module, operation, request, timeoutMs);
    const reply = await sendTraced(request, () => (this.circuits && this.leavesProcess(module) ? this.circuits.call(module, send) : send()));
    if (reply.ok) (target.ok ??= this.counter(name, 'OK'))?.inc();
    else this.counter(name, reply.error.code)?.inc();
    if (!reply.ok) throw CleaveError.fromData(reply.error);
    if (this.transport.remote) assertValid(spec.output, reply.data, `${name} output`);
    return reply.data;
  }

  /**
   * True when a call to `module` goes to another process that presence says is up: only such calls pass its
   * circuit. A module hosted here shares the caller's process, so it cannot hang while the caller runs, and its
   * failures are its own answers, already quick; a module no process hosts is refused at once anyway.
   */
  private leavesProcess(module: string): boolean {
    return !this.served.has(module) && this.transport.hosts?.(module) !== false;
  }

  /** What a call to `module.operation` needs again and again, worked out on its first call. */
  private target(module: string, operation: string): Target {
    let target = this.targets.get(module)?.get(operation);
    if (!target) {
      const spec = this.operation(module, operation);
      const name = `${module}.${operation}`;
      target = { spec, name, inputWhat: `${name} input`, version: this.contract(module).version };
      let ofModule = this.targets.get(module);
      if (!ofModule) this.targets.set(module, (ofModule = new Map()));
      ofModule.set(operation, target);
    }
    return target;
  }

  /**
   * Serves `operation` of a hosted module: refuses callers its contract's `access` does not let in (before
   * anything else runs), validates input (from remote callers) and output.
   */
  serve(contract: Contract, operation: string, fn: OperationFn): void {
    const spec = this.operation(contract.name, operation);
    const name = `${contract.name}.${operation}`;
    const remote = this.transport.remote;
    const { log, metrics } = this.options;
    this.served.add(contract.name);
    const histogram = metrics?.busHandlerSeconds.labels(name);
    this.transport.serve(contract.name, operation, servedTraced(name, async (request): Promise<Reply> => {
      const started = performance.now();
      try {
        authorizeCall(spec.access, request.principal, name);
        assertSameMajor(contract, request);
        if (remote) assertValid(spec.input, request.data, `${name} input`);
        const output = await fn(request.data, request);
        try {
          assertValid(spec.output, output, `${name} output`);
        } catch (err) {
          log.error({ err, operation: name }, 'handler returned output that breaks its contract');
          throw new CleaveError('INTERNAL', `${name} returned output that breaks its contract`);
        }
        return { ok: true, data: output };
      } catch (err) {
        if (!(err instanceof CleaveError)) log.error({ err, operation: name }, 'handler failed');
        return { ok: false, error: CleaveError.from(err).toJSON() };
      } finally {
        histogram?.observe((performance.now() - started) / 1000);
      }
    }));
  }

  private counter(operation: string, code: string): CounterChild | undefined {
    const metrics = this.options.metrics;
    if (!metrics) return undefined;
    const key = `${operation} ${code}`;
    let counter = this.counters.get(key);
    if (!counter) {
      counter = metrics.busRequests.labels(operation, code);
      this.counters.set(key, counter);
    }
    return counter;
  }

  private operation(module: string, operation: string): Operation {
    const spec = this.contract(module).operations[operation];
    if (!spec) throw new CleaveError('NOT_FOUND', `module "${module}" has no operation "${operation}"`);
    return spec;
  }


  private clientFactory(contract: Contract): (context: MessageContext) => Client<Contract> {
    const names = Object.keys(contract.operations);
    return (context) => {
      const client: Record<string, unknown> = {};
      for (const name of names) {
        client[name] = (input: unknown, options?: CallOptions) => this.call(contract.name, name, input, context, options);
      }
      return client as Client<Contract>;
    };
  }
}
