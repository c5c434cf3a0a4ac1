import test, { type ExecutionContext } from 'ava';
import { CleaveError } from '../src/errors.js';
import { Type, defineContract, defineModule, query, uses } from '../src/index.js';
import ledger from './fixtures/modules/ledger/index.js';
import { ledgerContract } from './fixtures/modules/ledger/contract.js';
import { startTestHost } from './support/host.js';

/** A module calls another module's operations only when it declares them in `calls`. */
const callerContract = defineContract({
  name: 'caller',
  version: '1.0.0',
  operations: {
    echoThroughLedger: query(Type.Object({}), Type.Object({ items: Type.Array(Type.Number()) }), { access: 'public' }),
    amountsThroughLedger: query(Type.Object({}), Type.Object({}), { access: 'public' }),
    ownEcho: query(Type.Object({}), Type.Object({ items: Type.Array(Type.Number()) }), { access: 'public' }),
  },
  events: {},
});

const caller = defineModule({
  contract: callerContract,
  calls: [uses(ledgerContract, 'echo')],
  handlers: {
    echoThroughLedger: () => async (_input, ctx) => (await ctx.client(ledgerContract).echo({ value: { items: [1, 2] } })).value,
    amountsThroughLedger: () => async (_input, ctx) => ctx.client(ledgerContract).amounts({}),
    ownEcho: () => async (_input, ctx) => ctx.client(callerContract).echoThroughLedger({}),
  },
});

const strangerContract = defineContract({
  name: 'stranger',
  version: '1.0.0',
  operations: { echoThroughLedger: query(Type.Object({}), Type.Object({}), { access: 'public' }) },
  events: {},
});

const stranger = defineModule({
  contract: strangerContract,
  handlers: { echoThroughLedger: () => async (_input, ctx) => ctx.client(ledgerContract).echo({ value: { items: [] } }) },
});

/** A host of ledger and both callers, stopped after the test; `logs` holds its log lines. */
async function hostOfCallers(t: ExecutionContext) {
  const logs: string[] = [];
  const host = await startTestHost({ modules: [ledger, caller, stranger], logTo: { write: (line: string) => void logs.push(line) } });
  t.teardown(() => host.stop());
  return { bus: host.host.bus, logs };
}

test('when a module calls an operation it declares in calls, or its own contract, then the call goes through', async (t) => {
  const { bus } = await hostOfCallers(t);

  // ledger's echo appends -1 to what it was given.
  t.deepEqual(await bus.client(callerContract).echoThroughLedger({}), { items: [1, 2, -1] });
  t.deepEqual(await bus.client(callerContract).ownEcho({}), { items: [1, 2, -1] });
});

test('when a module calls a module it did not declare, then the call fails naming both modules', async (t) => {
  const { bus, logs } = await hostOfCallers(t);

  const error = await t.throwsAsync(bus.client(strangerContract).echoThroughLedger({}));

  t.is((error as CleaveError).code, 'INTERNAL');
  t.true(logs.some((line) => line.includes('module \\"stranger\\" calls module \\"ledger\\" without declaring it')), logs.join(''));
});

test('when a module calls an operation of a declared module that it did not declare, then the call fails naming it', async (t) => {
  const { bus, logs } = await hostOfCallers(t);

  const error = await t.throwsAsync(bus.client(callerContract).amountsThroughLedger({}));

  t.is((error as CleaveError).code, 'INTERNAL');
  t.true(logs.some((line) => line.includes('module \\"caller\\" calls ledger.amounts without declaring it')), logs.join(''));
});

test('when a module lists its own contract or an unknown operation in calls, then defineModule refuses it', (t) => {
  const own = t.throws(() => defineModule({ contract: strangerContract, calls: [uses(strangerContract, 'echoThroughLedger')], handlers: stranger.handlers as never }));
  // @ts-expect-error ledger has no operation "nope"
  const unknown = t.throws(() => uses(ledgerContract, 'nope'));

  t.regex(own!.message, /module "stranger" lists its own contract in calls/);
  t.regex(unknown!.message, /module "ledger" has no operation "nope"/);
});
