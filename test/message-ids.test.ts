import test from 'ava';
import { envelope } from '../src/bus/envelope.js';

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('when a process makes many messages, then their ids are unique UUIDv7s that grow in the order made', (t) => {
  const before = Date.now();
  const ids = Array.from({ length: 20_000 }, () => envelope('test', 'ledger.recorded', {}).id);
  t.is(new Set(ids).size, ids.length);
  t.deepEqual(ids.filter((id) => !uuidV7.test(id)), []);
  t.deepEqual([...ids].sort(), ids);
  const stamp = Number.parseInt(ids[0].replace(/-/g, '').slice(0, 12), 16);
  t.true(stamp >= before && stamp <= Date.now() + 1, 'the first 48 bits are the time in milliseconds');
});
