import test from 'ava';
import { startDevicesHost } from './hosting.js';

const receivedAt = Date.parse('2030-01-01T00:00:10Z');
const status = (deviceId: string, payload: string) => ({ deviceId, kind: 'status', levels: [], receivedAt, payload });

test('when devices report {"online": …} on their status topic, then presence follows and anything else is refused with the reason', async (t) => {
  const { api, admin, client } = await startDevicesHost(t);
  await api.post('/', { id: 'lamp-3', name: 'Lamp' }, admin);

  const { results } = await client.recordStatus({
    messages: [
      status('lamp-3', '{"online": true}'),
      status('lamp-3', '{"online": "yes"}'),
      status('lamp-3', '{"online": true, "battery": 3}'),
      status('lamp-3', '[true]'),
      status('lamp-3', '{"online": '),
      status('lamp-3', '{}'),
      status('never-3', '{"online": true}'),
    ],
  });

  t.deepEqual(results.map((r) => (r.accepted ? 'accepted' : r.code)), ['accepted', 'INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'accepted']);
  const reasons = results.map((r) => (r.accepted ? '' : r.reason));
  t.regex(reasons[1], /^online: must be true or false; a status message is \{"online": true\} or \{"online": false\}$/);
  t.regex(reasons[2], /^"battery": unknown field; /);
  t.regex(reasons[3], /^payload: must be a JSON object; /);
  t.regex(reasons[4], /^payload is not valid JSON: /);
  t.regex(reasons[5], /^online: is required; /);
  t.like((await api.get('/lamp-3', admin)).body, { online: true, lastSeenAt: '2030-01-01T00:00:10.000Z' });

  await client.recordStatus({ messages: [status('lamp-3', '{"online": false}')] });
  t.like((await api.get('/lamp-3', admin)).body, { online: false });
});
