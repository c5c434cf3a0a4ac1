import type { ErrorData } from '../errors.js';
import type { OpenCircuits } from './circuits.js';
import type { Activity } from '../observability/activity.js';
import type { Envelope } from './envelope.js';
import type { InstanceInfo } from './presence.js';

/** The answer to a request: data, or an error that keeps its code. */
export type Reply = { ok: true; data: unknown } | { ok: false; error: ErrorData };

/** Serves one operation of a hosted module. Never rejects: failures are replies. */
export type RequestHandler = (request: Envelope) => Promise<Reply>;

/**
 * Takes events into a consumer's inbox; resolves once they are durably stored there. `texts` holds the JSON
 * text each event came as, for storing it as received without writing it out again.
 */
export type EventIntake = (events: Envelope[], texts: string[]) => Promise<void>;

/**
 * What moves messages between modules. The in-process transport and the MQTT transport implement it;
 * module code never sees which one runs.
 */
export interface Transport {
  readonly kind: 'inproc' | 'mqtt';
  /** True when messages may come from another process: receivers then validate them again. */
  readonly remote: boolean;
  /** Serves requests for `module.operation`. */
  serve(module: string, operation: string, handler: RequestHandler): void;
  /** Sends a request. Resolves with the reply, or an UNAVAILABLE / DEADLINE_EXCEEDED error reply. */
  request(module: string, operation: string, request: Envelope, timeoutMs: number): Promise<Reply>;
  /** Subscribes a consumer module to `module.event`: each consumer module gets every event once. */
  subscribe(consumer: string, module: string, event: string, intake: EventIntake): void;
  /**
   * Delivers events of one type, given as their envelopes' JSON text (as the outbox holds them), in order, to
   * every subscribed consumer; resolves when all have stored them (in-process: in the consumers' inboxes; MQTT:
   * acknowledged by the broker).
   */
  publish(module: string, event: string, texts: string[]): Promise<void>;
  /** Stops taking new work from other processes before a graceful stop (MQTT: presence and subscriptions). */
  withdraw?(): Promise<void>;
  /** Tells other processes where this one serves HTTP (MQTT: in its presence). */
  advertise?(http: string): Promise<void>;
  /** Tells other processes which modules this one refuses to call for now (MQTT: in its presence). */
  reportCircuits?(circuits: OpenCircuits): void;
  /** Why the transport cannot carry messages right now (MQTT: not connected to its broker); undefined when it can. */
  health?(): string | undefined;
  /** True when some live process (this one included) hosts `module`, as far as this one knows. */
  hosts?(module: string): boolean;
  /** The live processes this one knows of, itself included (MQTT: from presence). */
  instances?(): InstanceInfo[];
  /** Tells other processes this one's latest activity (MQTT: in its presence, once it advertised itself). */
  reportActivity?(activity: Activity): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
