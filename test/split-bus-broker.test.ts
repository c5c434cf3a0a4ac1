import test from 'ava';
import { auditContract } from './fixtures/modules/audit/contract.js';
import audit from './fixtures/modules/audit/index.js';
import { ledgerContract } from './fixtures/modules/ledger/contract.js';
import ledger from './fixtures/modules/ledger/index.js';
import { awaitedSessions, startBusBroker } from '../src/cli/split/bus-broker.js';
import { eventually, startTestHost } from './support/host.js';

const modules = [ledger, audit];
const namespace = 'split-rehearsal';
const instanceOf = (name: string) => `rehearsal-${name}`;
const onBus = (url: string, module: string) => ({
  modules: module,
  'bus.transport': 'mqtt',
  'bus.mqtt.url': url,
  'bus.namespace': namespace,
  'bus.instance': instanceOf(module),
});

test('when an event is published on the split bus broker before its consumer ever connected, then the consumer handles it on its first start', async (t) => {
  const broker = await startBusBroker({ sessions: awaitedSessions(modules, namespace, instanceOf) });
  const publisher = await startTestHost({ modules, config: onBus(broker.url, 'ledger') });
  try {
    await publisher.host.bus.client(ledgerContract).record({ amount: 7 });
    const outbox = publisher.host.database('ledger')!;
    await eventually(async () => ((await outbox('cleave_outbox').count({ n: '*' }).first())?.n === 0 ? true : undefined), 5000, 'the event to leave the outbox');

    const consumer = await startTestHost({ modules, config: onBus(broker.url, 'audit') });
    try {
      const { entries } = await eventually(async () => {
        const found = await consumer.host.bus.client(auditContract).entries({});
        return found.entries.length ? found : undefined;
      }, 5000, 'audit to handle the event');
      t.is(entries.length, 1);
      t.is(entries[0].amount, 7);
    } finally {
      await consumer.stop();
    }
  } finally {
    await publisher.stop();
    await broker.close();
  }
});
