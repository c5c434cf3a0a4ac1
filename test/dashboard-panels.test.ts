import test from 'ava';
import { CleaveError, Type, conflict, defineContract, defineModule, html, query, type Panel } from '../src/index.js';
import { modules as buildModules } from '../modules/index.js';
import { createUser, signIn } from './support/dashboard.js';
import { startTestHost } from './support/host.js';

const gaugesContract = defineContract({
  name: 'gauges',
  version: '1.0.0',
  operations: { readGauge: query(Type.Object({}), Type.Object({ value: Type.Number() }), { access: 'viewer' }) },
  events: {},
});

const panel = (id: string, render: Panel['render'], more: Partial<Panel> = {}): Panel => ({ id, title: `Gauge ${id}`, render, ...more });

const gauges = defineModule({
  contract: gaugesContract,
  migrations: new URL('./none/', import.meta.url),
  handlers: { readGauge: () => async () => ({ value: 7 }) },
  dashboard: {
    panels: [
      panel('working', async (view) => html`<p id="gauge">${(await view.client(gaugesContract).readGauge({})).value}</p>`),
      panel('offline', async () => {
        throw new CleaveError('UNAVAILABLE', 'the gauge <b> is offline');
      }),
      panel('crashing', async () => {
        throw new Error('a bug');
      }),
      panel('secret', async () => html`<p>for admins</p>`, { access: 'admin' }),
      panel('resettable', async (view) => html`<p>${view.params.note ?? ''}</p>`, {
        actions: {
          reset: {
            access: 'operator',
            run: async () => {
              throw conflict('the gauge is already at zero');
            },
          },
        },
      }),
    ],
  },
});

test('when a panel fails, then it shows its error alone; a panel for admins is hidden from a viewer; a failed action says why', async (t) => {
  const host = await startTestHost({ modules: [...buildModules, gauges] });
  t.teardown(() => host.stop());
  const admin = await signIn(host);
  const page = await (await fetch(`${host.url}/dashboard?note=%3Chi%3E`, { headers: { cookie: admin } })).text();
  t.true(page.includes('<p id="gauge">7</p>'), 'the working panel renders');
  t.true(page.includes('<p role="alert">the gauge &lt;b&gt; is offline</p>'), 'a CleaveError says its message, escaped');
  t.true(page.includes(`<p role="alert">Internal error; see the host's log.</p>`), 'anything else is an internal error');
  t.true(page.includes('<p>for admins</p>'));
  t.true(page.includes('<p>&lt;hi&gt;</p>'), 'page parameters reach panels, escaped');
  t.true(page.includes('<main hx-get="/dashboard/panels?note=%3Chi%3E" hx-trigger="every 2s" hx-swap="innerHTML">'), 'and stay in the refresh URL');
  const refreshed = await (await fetch(`${host.url}/dashboard/panels?note=%3Chi%3E`, { headers: { cookie: admin, 'hx-request': 'true' } })).text();
  t.true(refreshed.startsWith('<section class="panel" id="panel-kernel-instances"'), 'the refresh answers the panels alone');
  t.true(refreshed.includes('<p>&lt;hi&gt;</p>'));

  const viewer = await signIn(host, 'viewer@example.test', await createUser(host, 'viewer@example.test', 'viewer'));
  const seen = await (await fetch(`${host.url}/dashboard`, { headers: { cookie: viewer } })).text();
  t.false(seen.includes('for admins'));
  const asked = await fetch(`${host.url}/dashboard/panels/gauges/secret`, { headers: { cookie: viewer, 'hx-request': 'true' } });
  t.is(asked.status, 403);

  const reset = await fetch(`${host.url}/dashboard/panels/gauges/resettable/reset`, { method: 'POST', headers: { cookie: admin, 'hx-request': 'true' } });
  t.is(reset.status, 200);
  t.regex(await reset.text(), /<section class="panel" id="panel-gauges-resettable"[^>]*>\s*<h2[^>]*>Gauge resettable<\/h2>\s*<p role="alert">the gauge is already at zero<\/p>/);
  const unknown = await fetch(`${host.url}/dashboard/panels/gauges/resettable/explode`, { method: 'POST', headers: { cookie: admin, 'hx-request': 'true' } });
  t.is(unknown.status, 404);
});

test('when a dashboard declaration has a malformed or repeated panel id, or a login that is not public, then defineModule refuses it', (t) => {
  const define = (dashboard: object) => () => defineModule({ contract: gaugesContract, handlers: gauges.handlers as never, dashboard: dashboard as never });
  t.throws(define({ panels: [panel('Bad Id', async () => html``)] }), { message: /dashboard panel id "Bad Id" must match/ });
  t.throws(define({ panels: [panel('twice', async () => html``), panel('twice', async () => html``)] }), { message: /two dashboard panels have the id "twice"/ });
  t.throws(define({ login: 'readGauge' }), { message: /dashboard login names "readGauge", which is not a public operation/ });
});
