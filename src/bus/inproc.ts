import { CleaveError } from '../errors.js';
import { deadlines } from './deadlines.js';
import { copyJson, type Envelope } from './envelope.js';
import type { EventIntake, Reply, RequestHandler, Transport } from './transport.js';

const unhosted = (module: string): Reply => ({
  ok: false,
  error: { code: 'UNAVAILABLE', message: `no process hosts module "${module}" (it is not in this host's modules)` },
});

/**
 * The in-process transport: requests call the handler directly, events go straight into the
 * consumers' inboxes. Every payload is copied so a handler never shares an object with its caller: an
 * event is parsed from its text for each consumer.
 */
export class InprocTransport implements Transport {
  readonly kind = 'inproc';
  readonly remote = false;
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly intakes = new Map<string, EventIntake[]>();

  serve(module: string, operation: string, handler: RequestHandler): void {
    this.handlers.set(`${module}.${operation}`, handler);
  }

  async request(module: string, operation: string, request: Envelope, timeoutMs: number): Promise<Reply> {
    const handler = this.handlers.get(`${module}.${operation}`);
    if (!handler) return unhosted(module);
    const copy = { ...request, data: copyJson(request.data) };
    const reply = await withTimeout(handler(copy), timeoutMs, `${module}.${operation}`);
    return reply.ok ? { ok: true, data: copyJson(reply.data) } : reply;
  }

  subscribe(consumer: string, module: string, event: string, intake: EventIntake): void {
    const key = `${module}.${event}`;
    const list = this.intakes.get(key) ?? [];
    list.push(intake);
    this.intakes.set(key, list);
  }

  async publish(module: string, event: string, texts: string[]): Promise<void> {
    const list = this.intakes.get(`${module}.${event}`);
    if (!list) return;
    await Promise.all(list.map((intake) => intake(texts.map((text) => JSON.parse(text) as Envelope), texts)));
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.handlers.clear();
    this.intakes.clear();
  }
}

/** Resolves with the handler's reply, or a DEADLINE_EXCEEDED reply when it takes longer than `ms`. */
export function withTimeout(pending: Promise<Reply>, ms: number, what: string): Promise<Reply> {
  return new Promise<Reply>((resolve) => {
    const cancel = deadlines.after(ms, () => {
      const error = new CleaveError('DEADLINE_EXCEEDED', `${what} did not answer within ${ms} ms`);
      resolve({ ok: false, error: error.toJSON() });
    });
    pending.then(
      (reply) => {
        cancel();
        resolve(reply);
      },
      (err: unknown) => {
        cancel();
        resolve({ ok: false, error: CleaveError.from(err).toJSON() });
      },
    );
  });
}
