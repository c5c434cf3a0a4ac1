import { printAligned } from '../../bench/table.js';
import { privatePostgresAvailable } from '../support/private-postgres.js';
import { mosquittoAvailable } from '../support/mosquitto.js';
import { faults, runFault, startFaultSite, type FaultCounts } from './scenario.js';

/** `npm run faults`: runs every fault against one split and prints what each run counted. */
if (!privatePostgresAvailable() || !mosquittoAvailable()) {
  console.error('the fault report needs mosquitto and the PostgreSQL server binaries (initdb, pg_ctl)');
  process.exit(1);
}
const site = await startFaultSite();
const rows: FaultCounts[] = [];
try {
  for (const fault of faults) {
    console.error(`running ${fault.name} ...`);
    rows.push(await runFault(site, fault));
  }
} finally {
  await site.stop();
}
const outage = (r: FaultCounts) => (r.outage ? `${r.outage.status}${r.outage.problem ? ' problem+json' : ''} in ${r.outage.ms} ms` : '');
printAligned(
  ['fault', 'sent', 'resent', 'acknowledged', 'stored', 'lost', 'duplicated', 'breaches', 'alerts raised', 'API while down'],
  rows.map((r) => [r.fault, ...[r.sent, r.resent, r.acknowledged, r.stored, r.lost, r.duplicated, r.breaches, r.alertsRaised].map(String), outage(r)]),
  [1, 2, 3, 4, 5, 6, 7, 8],
);
