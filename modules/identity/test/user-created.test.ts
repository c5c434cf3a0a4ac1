import test from 'ava';
import { defineContract, defineModule, on, type EventOf, type ModuleDefinition } from '../../../src/index.js';
import { eventually, startTestHost } from '../../../test/support/host.js';
import { identityContract } from '../contract.js';
import { identityModule } from './hosting.js';
import { identityApi } from './http.js';

type UserCreated = EventOf<typeof identityContract, 'userCreated'>;

function probe() {
  const received: UserCreated[] = [];
  const module = defineModule({
    contract: defineContract({ name: 'identity-probe', version: '1.0.0', operations: {}, events: {} }),
    handlers: {},
    subscriptions: [on(identityContract, 'userCreated', () => async (data) => void received.push(data))],
  });
  return { module, received };
}

test('when a user is created, then userCreated is published with its id, email and role', async (t) => {
  const { module, received } = probe();
  const host = await startTestHost({ modules: [identityModule, module] });
  t.teardown(() => host.stop());
  const api = identityApi(host.url);

  const created = await api.post(
    '/users',
    { email: 'Announced@example.test', password: 'a-good-password', role: 'operator' },
    await host.login(),
  );

  const event = await eventually(async () => received.find((e) => e.id === created.body.id), 5000, 'userCreated');
  t.deepEqual(event, { id: created.body.id, email: 'announced@example.test', role: 'operator' });
  const admin = await eventually(async () => received.find((e) => e.role === 'admin'), 5000, 'the admin announced');
  t.is(admin.email, 'admin@example.test');
});
