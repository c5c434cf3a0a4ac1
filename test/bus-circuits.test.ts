import test from 'ava';
import { pino } from 'pino';
import { Bus } from '../src/bus/bus.js';
import type { OpenCircuits } from '../src/bus/circuits.js';
import type { Envelope } from '../src/bus/envelope.js';
import type { Reply, RequestHandler, Transport } from '../src/bus/transport.js';
import { CleaveError, type ErrorCode } from '../src/errors.js';
import { Metrics } from '../src/observability/metrics.js';
import { ledgerContract } from './fixtures/modules/ledger/contract.js';
import { eventually } from './support/host.js';

const log = pino({ level: 'silent' });
const failure = (code: ErrorCode): Reply => ({ ok: false, error: { code, message: `ledger says ${code}` } });
const success: Reply = { ok: true, data: { amounts: [] } };

/**
 * A remote transport whose far side answers from a script: each call to a module hosted elsewhere takes the
 * next answer (or waits for `hold` to be released). Modules served here are called in-process, as on MQTT.
 */
class ScriptedTransport implements Transport {
  readonly kind = 'mqtt';
  readonly remote = true;
  readonly answers: Array<Reply | Promise<Reply>> = [];
  readonly reported: OpenCircuits[] = [];
  sent = 0;
  private readonly local = new Map<string, RequestHandler>();

  serve(module: string, operation: string, handler: RequestHandler): void {
    this.local.set(`${module}.${operation}`, handler);
  }
  async request(module: string, operation: string, request: Envelope): Promise<Reply> {
    const handler = this.local.get(`${module}.${operation}`);
    if (handler) return handler(request);
    this.sent++;
    return this.answers.shift() ?? success;
  }
  reportCircuits(circuits: OpenCircuits): void {
    this.reported.push(circuits);
  }
  hosts(): boolean {
    return true;
  }
  subscribe(): void {}
  async publish(): Promise<void> {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

function setup(breaker = { failures: 2, halfOpenAfterMs: 200 }) {
  const transport = new ScriptedTransport();
  const metrics = new Metrics();
  const bus = new Bus({ transport, contracts: [ledgerContract], instanceId: 'caller', requestTimeoutMs: 1000, log, metrics, breaker });
  const call = () => bus.call('ledger', 'amounts', {}).then(() => 'OK', (err: CleaveError) => err);
  const state = async () => (await metrics.busCircuitState.get()).values.find((v) => v.labels.module === 'ledger')?.value;
  return { transport, bus, call, state };
}

test('when a module hosted elsewhere gives only business answers, then its circuit stays closed and every call reaches it', async (t) => {
  const { transport, call, state } = setup();
  const business: ErrorCode[] = ['NOT_FOUND', 'INVALID_ARGUMENT', 'PERMISSION_DENIED', 'CONFLICT', 'INTERNAL', 'NOT_FOUND'];
  transport.answers.push(...business.map(failure));

  const codes = [];
  for (let i = 0; i < business.length; i++) codes.push(((await call()) as CleaveError).code);

  t.deepEqual(codes, business);
  t.is(transport.sent, business.length);
  t.is(await state(), 0);
  t.deepEqual(transport.reported, []);
});

test('when a module hosted elsewhere times out or is unavailable repeatedly, then calls are refused at once with a retry-after, and a probe after the half-open interval closes the circuit again', async (t) => {
  const { transport, call, state } = setup();
  transport.answers.push(failure('DEADLINE_EXCEEDED'), failure('UNAVAILABLE'));
  await call();
  await call();

  const refused = (await call()) as CleaveError;

  t.is(transport.sent, 2, 'the refused call never reached the transport');
  t.is(refused.code, 'UNAVAILABLE');
  t.regex(refused.message, /module "ledger"/);
  const { retryAfterMs, retryAfterSeconds } = refused.details as { retryAfterMs: number; retryAfterSeconds: number };
  t.true(retryAfterMs > 0 && retryAfterMs <= 200, `retry after ${retryAfterMs} ms`);
  t.is(retryAfterSeconds, 1);
  t.is(await state(), 1);
  t.deepEqual(transport.reported.at(-1), { ledger: 'open' });

  let release!: (reply: Reply) => void;
  transport.answers.push(new Promise<Reply>((resolve) => (release = resolve)));
  // Calls keep being refused until the half-open interval is over; the first one after it is the probe.
  const probe = eventually(async () => {
    const pending = call();
    await new Promise((resolve) => setImmediate(resolve));
    if (transport.sent === 3) return pending;
    await pending;
    return undefined;
  }, 2000, 'a probe call to go through');
  await eventually(async () => (transport.sent === 3 ? true : undefined), 2000, 'the probe to be sent');
  t.is(await state(), 2);
  t.deepEqual(transport.reported.at(-1), { ledger: 'half-open' });
  t.is(((await call()) as CleaveError).code, 'UNAVAILABLE', 'a call during the probe is refused at once');
  t.is(transport.sent, 3);

  release(success);

  t.is(await probe, 'OK');
  t.is(await state(), 0);
  t.deepEqual(transport.reported.at(-1), {});
  t.is(await call(), 'OK');
});

test('when the probe fails, then the circuit opens again', async (t) => {
  const { transport, call, state } = setup();
  transport.answers.push(failure('DEADLINE_EXCEEDED'), failure('DEADLINE_EXCEEDED'), failure('DEADLINE_EXCEEDED'));
  await call();
  await call();

  const probed = await eventually(async () => {
    const result = await call();
    return transport.sent === 3 ? result : undefined;
  }, 2000, 'a probe call to go through');

  t.is((probed as CleaveError).code, 'DEADLINE_EXCEEDED');
  t.is(await state(), 1);
  t.is(((await call()) as CleaveError).code, 'UNAVAILABLE');
  t.is(transport.sent, 3);
});

test('when the module is hosted in this process, then its failures never open a circuit', async (t) => {
  const { transport, bus, call, state } = setup();
  let handled = 0;
  bus.serve(ledgerContract, 'amounts', async () => {
    handled++;
    throw new CleaveError('UNAVAILABLE', 'ledger store is down');
  });

  for (let i = 0; i < 5; i++) t.is(((await call()) as CleaveError).code, 'UNAVAILABLE');

  t.is(handled, 5);
  t.is(await state(), undefined, 'no circuit was made for it');
  t.deepEqual(transport.reported, []);
});

test('when bus.breaker.failures is 0, then calls always reach the module', async (t) => {
  const { transport, call, state } = setup({ failures: 0, halfOpenAfterMs: 200 });
  transport.answers.push(...Array(5).fill(failure('DEADLINE_EXCEEDED')));

  for (let i = 0; i < 5; i++) t.is(((await call()) as CleaveError).code, 'DEADLINE_EXCEEDED');

  t.is(transport.sent, 5);
  t.is(await state(), undefined);
});
