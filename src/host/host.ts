import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createContainer, InjectionMode } from 'awilix';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { kernelPrincipal } from '../bus/access.js';
import { Bus } from '../bus/bus.js';
import { InprocTransport } from '../bus/inproc.js';
import type { Transport } from '../bus/transport.js';
import { databaseUrlOf, sliceOf } from '../config/modules.js';
import type { CleaveConfig } from '../config/schema.js';
import { migrateUp } from '../db/migrate.js';
import { databaseOf, openDatabase } from '../db/database.js';
import { CleaveError } from '../errors.js';
import { createHttpApp } from '../http/app.js';
import { asyncApiDocument, asyncApiOptions } from '../docs/asyncapi.js';
import { listen, type HttpServer } from '../http/server.js';
import { createTokenVerifier } from '../http/token-verifier.js';
import { credentialSync, plannedEdgePorts, startEdge, type EdgeListener } from '../edge/listener.js';
import { credentialEventsOf } from '../edge/ports.js';
import type { CredentialSync } from '../edge/credential-sync.js';
import { createLogger } from '../observability/log.js';
import { Metrics } from '../observability/metrics.js';
import { tracingWanted } from '../observability/tracing.js';
import type { Tracing } from '../observability/tracing-sdk.js';
import { ServerCertificates, trustedCas } from '../tls/certificates.js';
import { declaredPorts, type ModuleDefinition } from '../kernel/module.js';
import { assertPortsFree } from './free-ports.js';
import { checkPorts } from './ports-check.js';
import { Readiness } from './readiness.js';
import { ModuleRuntime } from './runtime.js';
import { selectModules } from './select.js';
import { HashQueue } from '../kernel/slow-hash.js';
import { SecretSeal } from '../kernel/secret-seal.js';
import { cleaveVersion } from '../version.js';
import type { InstanceInfo } from '../bus/presence.js';
import { activityOf, type Activity } from '../observability/activity.js';
import type { DashboardDeclaration } from '../kernel/panels.js';

/** How often a host sums up its activity for the dashboard's rates (and, on the MQTT bus, puts it in its presence). */
const activityEveryMs = 5_000;

export interface HostOptions {
  config: CleaveConfig;
  /** Every module of the build, hosted here or not: their contracts let this host call any of them. */
  modules: ModuleDefinition[];
  log?: Logger;
  /** Apply pending migrations at start (default true). */
  migrate?: boolean;
}

type Phase = 'starting' | 'ready' | 'stopping' | 'stopped';

/**
 * A running process and the modules it hosts: databases, bus, HTTP. `Host.start` brings it up in order;
 * `stop` takes it down gracefully (stop taking work, finish what is in flight, flush outboxes, close databases).
 */
export class Host {
  readonly instanceId: string;
  readonly metrics = new Metrics({ defaults: true });
  readonly log: Logger;
  readonly bus: Bus;
  /** What `/readyz` reports: the host's phase, each hosted database, the bus, the device listener, routed modules. */
  readonly readiness = new Readiness({ metrics: this.metrics });
  private readonly runtimes: ModuleRuntime[] = [];
  private readonly databases = new Map<string, Knex>();
  private http: HttpServer | undefined;
  private edge: EdgeListener | undefined;
  private certificates: ServerCertificates | undefined;
  /**
   * Seals the device secrets of credential events: under `bus.key`, which every process of an MQTT-bus deployment
   * holds; without one (in-process bus), under a key made now and kept only in memory.
   */
  private readonly seal: SecretSeal;
  /** One per process would do as well: libuv's thread pool is per process; one per host keeps hosts apart in tests. */
  private readonly hashQueue: HashQueue;
  private phase: Phase = 'starting';
  private readonly startedAt = new Date().toISOString();
  private activity: Activity | undefined;
  private activityTimer: NodeJS.Timeout | undefined;
  /** The tracer provider this host started (`OTEL_*` variables), flushed and shut down at stop. */
  private tracing: Tracing | undefined;

  private constructor(
    private readonly options: HostOptions,
    identity: { instanceId: string; log: Logger },
    transport: Transport,
  ) {
    const { config } = options;
    ({ instanceId: this.instanceId, log: this.log } = identity);
    this.hashQueue = new HashQueue(config.hashing);
    this.seal = config.bus.key ? new SecretSeal(config.bus.key) : SecretSeal.inMemory();
    this.bus = new Bus({
      transport,
      contracts: options.modules.map((m) => m.contract),
      instanceId: this.instanceId,
      requestTimeoutMs: config.bus.requestTimeoutMs,
      log: this.log,
      metrics: this.metrics,
      breaker: config.bus.breaker,
    });
    this.readiness.add('host', () => (this.phase === 'ready' ? undefined : this.phase));
  }

  /** Starts a host; on failure, whatever was opened is closed again before the error is thrown. */
  static async start(options: HostOptions): Promise<Host> {
    const instanceId = instanceIdOf(options.config);
    const identity = { instanceId, log: options.log ?? createLogger(options.config.log.level, { instance: instanceId }) };
    const host = new Host(options, identity, await createTransport(options, identity));
    try {
      await host.boot();
      return host;
    } catch (err) {
      await host.stop().catch(() => undefined);
      throw err;
    }
  }

  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:3000` (`https://` with `tls.cert`). */
  get url(): string {
    return this.http?.url ?? '';
  }

  /** Port of the embedded edge broker's plain-text MQTT, when it runs. */
  get edgePort(): number | undefined {
    return this.edge?.port;
  }

  /** Port of the embedded edge broker's MQTT over TLS, when it runs. */
  get edgeTlsPort(): number | undefined {
    return this.edge?.tlsPort;
  }

  /** Names of the modules this host runs. */
  get hosted(): string[] {
    return this.runtimes.map((r) => r.name);
  }

  /** The database of a hosted module (for tools such as `cleave dlq`). */
  database(module: string): Knex | undefined {
    return this.databases.get(module);
  }

  private async boot(): Promise<void> {
    const { config, modules } = this.options;
    checkPorts(modules);
    if (config.tls.cert) {
      this.certificates = new ServerCertificates(config.tls, this.log.child({ component: 'tls' }));
    }
    const selected = selectModules(modules, config.modules);
    await this.startTracing(selected.map((m) => m.contract.name));
    assertConfigured(config, selected);
    await this.preflight(selected.map((m) => m.contract.name));
    const root = createContainer({ injectionMode: InjectionMode.PROXY, strict: true });
    // Every open settles before a failure is thrown, so that stopping never closes a database mid-migration.
    const opened = await Promise.allSettled(selected.map((definition) => this.openDatabase(definition)));
    const failed = opened.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    for (const definition of selected) {
      const name = definition.contract.name;
      const db = this.databases.get(name)!;
      const runtime = new ModuleRuntime(definition, {
        bus: this.bus,
        db,
        scope: root.createScope(),
        log: this.log.child({ module: name }),
        metrics: this.metrics,
        config: sliceOf(config, name),
        instanceId: this.instanceId,
        relay: config.bus.outbox.relay,
        retry: config.bus.retry,
        dedupeWindowMs: config.bus.inbox.dedupeWindowMs,
        sealSecret: this.seal.seal,
        hashQueue: this.hashQueue,
        tokenClaims: { issuer: config.identity.issuer, audience: config.identity.audience },
      });
      this.runtimes.push(runtime);
      runtime.connect();
    }
    await this.bus.transport.start();
    this.readiness.add('bus', () => this.bus.transport.health?.());
    const credentials = credentialSync({ config, modules, hosted: this.hosted, bus: this.bus, log: this.log.child({ component: 'edge' }), seal: this.seal });
    // The modules' start hooks (the first admin's slow hash among them) run side by side, while HTTP and the device
    // listener come up; the host is ready only once every hook is done. All settle before a failure is thrown.
    const started = Promise.allSettled(this.runtimes.map((runtime) => runtime.start()));
    const routed = config.http.gateway ? modules : selected;
    const listenerFailure = await this.startListeners(routed, credentials).then(
      () => undefined,
      (err: unknown) => ({ err }),
    );
    const hookFailure = (await started).find((result) => result.status === 'rejected');
    if (listenerFailure) throw listenerFailure.err;
    if (hookFailure) throw hookFailure.reason;
    // Only now may other processes route calls here: a module serves once its start hook is done (the first admin
    // exists, say), and the gateway's readiness counts what presence lists.
    await this.bus.transport.advertise?.(this.url);
    await this.sumUpActivity();
    this.activityTimer = setInterval(() => void this.sumUpActivity(), activityEveryMs).unref();
    const edge = this.edge;
    if (edge) this.readiness.add('edge', () => edge.health());
    for (const name of routed.map((m) => m.contract.name).filter((n) => !this.hosted.includes(n))) {
      this.readiness.add(`hosts:${name}`, () => (this.bus.transport.hosts?.(name) ? undefined : `no live process hosts module "${name}"`));
    }
    this.phase = 'ready';
    if (config.bus.transport === 'mqtt' && !config.bus.instance && config.http.port === 0) {
      this.log.warn({ instance: this.instanceId }, 'this process has a random name on the bus (HTTP on port 0 and no --instance): if it dies, the events queued in its bus session wait for a process of the same name; give it a stable name with --instance (CLEAVE_INSTANCE)');
    }
    const listening = { http: this.url, edge: this.edgePort, mqtts: this.edgeTlsPort };
    this.log.info({ modules: this.hosted, bus: this.bus.transport.kind, ...listening }, 'cleave is ready');
  }

  /**
   * Starts tracing when the standard `OTEL_*` variables ask for it; the SDK and its exporter load only then. One
   * tracer provider serves a process: a second host in the same process, or a provider registered before, uses it.
   */
  private async startTracing(modules: string[]): Promise<void> {
    if (!tracingWanted(process.env)) return;
    const { startTracing } = await import('../observability/tracing-sdk.js');
    this.tracing = startTracing(process.env, { instanceId: this.instanceId, modules, version: cleaveVersion });
    if (this.tracing) this.log.info({ modules }, 'tracing is on (OpenTelemetry)');
  }

  /** Starts HTTP, then the device listener; the host advertises itself on the bus once its modules have started. */
  private async startListeners(routed: ModuleDefinition[], credentials: CredentialSync | undefined): Promise<void> {
    const { config, modules } = this.options;
    await this.startHttp(routed);
    this.edge = await startEdge({
      config,
      modules,
      hosted: this.hosted,
      bus: this.bus,
      http: this.http?.server,
      httpUrl: this.url,
      certificates: this.certificates,
      log: this.log.child({ component: 'edge' }),
      metrics: this.metrics,
      instanceId: this.instanceId,
      credentials,
    });
  }

  /** Sums up this host's activity; on the MQTT bus, other processes get it in this host's presence. */
  private async sumUpActivity(): Promise<void> {
    try {
      this.activity = await activityOf(this.metrics);
      await this.bus.transport.reportActivity?.(this.activity);
    } catch (err) {
      this.log.warn({ err }, 'could not report this host\'s activity');
    }
  }

  /** The deployment's live instances as presence lists them; on the in-process bus, this host alone. */
  instances(): InstanceInfo[] {
    const known = this.bus.transport.instances?.();
    if (known) return known;
    const self = { instanceId: this.instanceId, modules: this.phase === 'ready' ? this.hosted : [], version: cleaveVersion, startedAt: this.startedAt };
    return [{ ...self, ...(this.url ? { http: this.url } : {}), ...(this.activity ? { activity: this.activity } : {}) }];
  }

  /**
   * Opens a module's database (`<module>.db.url`, else `db.url`, else `db.dataDir`) and applies its pending
   * migrations; databases open side by side at start.
   */
  private async openDatabase(definition: ModuleDefinition): Promise<void> {
    const { config } = this.options;
    const name = definition.contract.name;
    const db = await openDatabase(name, databaseOf(config, name, this.log.child({ module: name, component: 'database' })));
    this.databases.set(name, db);
    this.readiness.add(`database:${name}`, async () => void (await db.raw('select 1')));
    if (this.options.migrate === false) return;
    const applied = await migrateUp({ module: name, db, folder: definition.migrations });
    if (applied.length) this.log.info({ module: name, applied }, 'applied migrations');
  }

  /**
   * Starts HTTP with the routes of `routed` modules: the hosted ones, or every module for a gateway. The key set
   * that verifies tokens comes through the bus from the module serving the port `jwks`; a host serving that
   * module's routes also publishes it at `/.well-known/jwks.json`.
   */
  private async startHttp(routed: ModuleDefinition[]): Promise<void> {
    const { config, modules } = this.options;
    const provider = modules.find((m) => declaredPorts(m).jwks);
    const fetchJwks = async () => {
      if (!provider) throw new CleaveError('UNAUTHENTICATED', 'no module of this build issues tokens');
      return (await this.bus.call(provider.contract.name, declaredPorts(provider).jwks!, {}, { principal: kernelPrincipal('http') })) as { keys: Record<string, unknown>[] };
    };
    const app = createHttpApp({
      bus: this.bus,
      modules: routed.map((m) => ({ contract: m.contract, routes: m.routes ?? [] })),
      metrics: this.metrics,
      log: this.log,
      bodyLimit: config.http.bodyLimit,
      trustProxy: config.http.trustProxy,
      verifyToken: createTokenVerifier(fetchJwks, { issuer: config.identity.issuer, audience: config.identity.audience }),
      readiness: () => this.readiness.report(),
      jwks: provider && routed.includes(provider) ? fetchJwks : undefined,
      asyncapi: () => asyncApiDocument(modules, asyncApiOptions(config, cleaveVersion)),
      dashboard: {
        modules: routed.map((m) => ({ contract: m.contract, dashboard: m.dashboard as DashboardDeclaration | undefined })),
        moduleNames: modules.map((m) => m.contract.name),
        login: loginOf(modules),
        instances: () => this.instances(),
      },
    });
    this.http = await listen(app, config.http.port, config.http.host, this.certificates);
  }

  /** Fails on a taken port before anything is opened or created (such as the first admin). */
  private async preflight(hosted: string[]): Promise<void> {
    const { config, modules } = this.options;
    const http = { what: 'HTTP port', port: config.http.port, host: config.http.host, change: '--http-port or CLEAVE_HTTP_PORT' };
    await assertPortsFree([http, ...plannedEdgePorts({ config, modules, hosted, remote: this.bus.transport.remote })]);
  }

  /**
   * Stops gracefully: HTTP stops taking requests and finishes those in flight, inboxes finish the event in
   * hand, outboxes flush, then the transport and databases close, and the last spans are exported. Safe to call twice.
   */
  async stop(): Promise<void> {
    if (this.phase === 'stopping' || this.phase === 'stopped') return;
    this.phase = 'stopping';
    this.log.info('cleave is stopping');
    const timeoutMs = this.options.config.shutdown.timeoutMs;
    clearInterval(this.activityTimer);
    await this.bus.transport.withdraw?.().catch((err) => this.log.warn({ err }, 'could not withdraw from the bus'));
    await this.edge?.close().catch((err) => this.log.error({ err }, 'edge broker did not stop cleanly'));
    await this.http?.close(timeoutMs);
    this.certificates?.close();
    for (const runtime of [...this.runtimes].reverse()) {
      await runtime.stop().catch((err) => this.log.error({ err, module: runtime.name }, 'module did not stop cleanly'));
    }
    await this.bus.transport.stop();
    for (const db of this.databases.values()) await db.destroy();
    await this.tracing?.shutdown().catch((err) => this.log.warn({ err }, 'could not export the last spans'));
    this.phase = 'stopped';
    this.log.info('cleave stopped');
  }
}

/** The operation the dashboard's sign-in form calls: the one a module of the build declares as `dashboard.login`. */
function loginOf(modules: ModuleDefinition[]): { module: string; operation: string } | undefined {
  const declaring = modules.find((m) => m.dashboard?.login !== undefined);
  return declaring && { module: declaring.contract.name, operation: declaring.dashboard!.login as unknown as string };
}

/** A configuration loaded without a module's keys would hand it no settings: refuse to host it. */
function assertConfigured(config: CleaveConfig, modules: ModuleDefinition[]): void {
  const missing = modules.map((m) => m.contract.name).filter((name) => databaseUrlOf(config, name) === undefined);
  if (missing.length) {
    throw new Error(`the configuration has no keys of module ${missing.join(', ')}: load it with the build's modules (loadConfig({ modules }))`);
  }
}

/**
 * The name of this process on the bus: `bus.instance`, or one derived from the host name, the modules and the
 * HTTP port, so a restarted process resumes its persistent session. With HTTP on a random port (0) there is
 * nothing stable to derive from, and the name is random.
 */
function instanceIdOf(config: CleaveConfig): string {
  if (config.bus.instance) return config.bus.instance;
  const modules = config.modules.includes('*') ? 'all' : config.modules.join('+');
  const port = config.http.port === 0 ? `${process.pid}-${randomBytes(3).toString('hex')}` : String(config.http.port);
  return `${hostname()}-${modules}-${port}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
}

/** The bus transport of a host: in-process, or MQTT (whose client library, mqtt.js, is loaded only then). */
async function createTransport(options: HostOptions, identity: { instanceId: string; log: Logger }): Promise<Transport> {
  const { config, modules } = options;
  if (config.bus.transport === 'inproc') return new InprocTransport();
  const consumed = new Set(modules.flatMap((m) => (m.subscriptions ?? []).map((s) => `${s.contract.name}.${s.event}`)));
  // The credential subscriber of the device listeners consumes these events where the deployment has an external
  // broker or runs a listener here: such an event then waits in the outbox until a listener has subscribed.
  if (config.edge.broker !== 'off' || config.edge.url) {
    const { issued, revoked } = credentialEventsOf(modules);
    for (const { module, event } of [...issued, ...revoked]) consumed.add(`${module}.${event}`);
  }
  const { MqttTransport } = await import('../bus/mqtt-transport.js');
  return new MqttTransport({
    url: config.bus.mqtt.url,
    ca: trustedCas('bus.mqtt.ca', config.bus.mqtt.ca),
    eventBatches: config.bus.mqtt.eventBatches,
    key: config.bus.key,
    namespace: config.bus.namespace,
    instanceId: identity.instanceId,
    log: identity.log.child({ component: 'bus' }),
    version: cleaveVersion,
    contractVersions: Object.fromEntries(modules.map((m) => [m.contract.name, m.contract.version])),
    consumed: (module, event) => consumed.has(`${module}.${event}`),
  });
}
