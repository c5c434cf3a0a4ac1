import { defineModule } from '../../src/index.js';
import { devicesContract } from './contract.js';
import { authenticateDevice } from './handlers/authenticate-device.js';
import { decommissionDevice } from './handlers/decommission-device.js';
import { getDevice } from './handlers/get-device.js';
import { listDevices } from './handlers/list-devices.js';
import { recordPresence } from './handlers/record-presence.js';
import { recordStatus } from './handlers/record-status.js';
import { registerDevice } from './handlers/register-device.js';
import { rotateSecret } from './handlers/rotate-secret.js';
import { StatusPayload } from './status-payload.js';
import { devicesStores } from './stores.js';
import { devicesPanel } from './dashboard.js';

export default defineModule({
  contract: devicesContract,
  handlers: { registerDevice, listDevices, getDevice, rotateSecret, decommissionDevice, authenticateDevice, recordPresence, recordStatus },
  stores: devicesStores,
  routes: [
    { method: 'POST', path: '/', access: 'operator', status: 201, operation: 'registerDevice' },
    { method: 'GET', path: '/', access: 'viewer', operation: 'listDevices' },
    { method: 'GET', path: '/:id', access: 'viewer', operation: 'getDevice' },
    { method: 'POST', path: '/:id/secret', access: 'operator', operation: 'rotateSecret' },
    { method: 'DELETE', path: '/:id', access: 'operator', status: 204, operation: 'decommissionDevice' },
  ],
  deviceTopics: { status: 'recordStatus' },
  devicePayloads: { status: StatusPayload },
  ports: {
    deviceAuth: 'authenticateDevice',
    devicePresence: 'recordPresence',
    deviceCredentials: { issued: 'deviceSecretIssued', revoked: ['deviceDecommissioned'] },
  },
  dashboard: { panels: [devicesPanel] },
});
