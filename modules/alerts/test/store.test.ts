import test from 'ava';
import { createDatabase, postgresAvailable } from '../../../test/support/postgres.js';
import { alertsWhen, createRule, recordReadings, startAlertsHost } from './alerts-host.js';

const stores = (await postgresAvailable()) ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

for (const store of stores) {
  test(`when a second unresolved alert for one rule and device is written (${store}), then the store refuses it`, async (t) => {
    const database = store === 'postgres' ? await createDatabase() : undefined;
    const h = await startAlertsHost({ config: database ? { 'db.url': database.url } : {} });
    t.teardown(async () => {
      await h.stop();
      await database?.drop();
    });
    await createRule(h, { metric: 'temp', op: 'gt', threshold: 50.5 });
    await recordReadings(h, 'd1', [['temp', 60.25], ['temp', 10], ['temp', 70]]);
    const alerts = await alertsWhen(h, (all) => all.length === 2, '', 'the reopened alert');
    const open = alerts.find((a) => a.state === 'open')!;
    t.like(open, { value: 70, threshold: 50.5 });
    t.is(typeof open.value, 'number');

    const db = h.host.database('alerts')!;
    const row = await db('alerts').where({ id: open.id }).first();

    const refused = await db('alerts')
      .insert({ ...row, id: 'duplicate', state: 'acknowledged' })
      .then(() => undefined, (err: { code?: string }) => err.code);

    t.true(refused === 'SQLITE_CONSTRAINT_UNIQUE' || refused === '23505', String(refused));
    t.is((await db('alerts').where({ id: 'duplicate' })).length, 0);
  });
}
