import { defineModule, on } from '../../src/index.js';
import { devicesContract } from '../devices/contract.js';
import { telemetryContract } from '../telemetry/contract.js';
import { alertsContract } from './contract.js';
import { acknowledgeAlert } from './handlers/acknowledge-alert.js';
import { createRule } from './handlers/create-rule.js';
import { deleteRule } from './handlers/delete-rule.js';
import { listAlerts } from './handlers/list-alerts.js';
import { listRules } from './handlers/list-rules.js';
import { onDeviceDecommissioned } from './handlers/on-device-decommissioned.js';
import { onReadingsRecorded } from './handlers/on-readings-recorded.js';
import { routes } from './http.js';
import { makeLifecycle } from './lifecycle.js';
import { alertsStores } from './stores.js';
import { alertsPanel } from './dashboard.js';

export default defineModule({
  contract: alertsContract,
  handlers: { createRule, listRules, deleteRule, listAlerts, acknowledgeAlert },
  stores: alertsStores,
  register: { lifecycle: makeLifecycle },
  subscriptions: [
    on(telemetryContract, 'readingsRecorded', onReadingsRecorded),
    on(devicesContract, 'deviceDecommissioned', onDeviceDecommissioned),
  ],
  routes,
  dashboard: { panels: [alertsPanel] },
});
