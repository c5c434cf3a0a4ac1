import test from 'ava';
import { mosquittoAvailable } from './support/mosquitto.js';
import { privatePostgresAvailable } from './support/private-postgres.js';
import { faults, runFault, startFaultSite, type FaultSite } from './faults/scenario.js';

const available = privatePostgresAvailable() && mosquittoAvailable();
if (!available) console.log('fault tests skipped: install mosquitto and the PostgreSQL server (initdb, pg_ctl)');

let site: FaultSite | undefined;
test.before(async () => {
  if (available) site = await startFaultSite();
});
test.after.always(async () => {
  await site?.stop();
});

for (const fault of faults) {
  const run = available ? test.serial : test.serial.skip;
  run(`${fault.when}, then no acknowledged reading is lost or stored twice and each breach raises one alert`, async (t) => {
    const counts = await runFault(site!, fault);
    t.log(JSON.stringify(counts));
    t.is(counts.acknowledged, counts.sent, 'the device got every reading acknowledged in the end');
    t.is(counts.lost, 0);
    t.is(counts.duplicated, 0);
    t.is(counts.stored, counts.sent);
    t.is(counts.alertMismatches, 0, 'one alert per breach episode');
    t.is(counts.alertsRaised, counts.breaches);
    if (counts.outage) {
      t.true(counts.outage.status >= 500 && counts.outage.problem, `the API answered ${counts.outage.status} during the outage`);
      t.true(counts.outage.ms < 7000, 'within the 5 s request timeout and a margin');
    }
  });
}
