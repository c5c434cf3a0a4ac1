import { defineModule, on, uses } from '../../src/index.js';
import { devicesContract } from '../devices/contract.js';
import { commandsContract } from './contract.js';
import { CommandPayload, ReplyPayload } from './device-payloads.js';
import { makeExpiry, type Expiry } from './expiry.js';
import { cancelCommand } from './handlers/cancel-command.js';
import { getCommand } from './handlers/get-command.js';
import { listCommands } from './handlers/list-commands.js';
import { listPendingCommands } from './handlers/list-pending-commands.js';
import { markCommandDelivered } from './handlers/mark-command-delivered.js';
import { onDeviceDecommissioned } from './handlers/on-device-decommissioned.js';
import { onDeviceRegistered } from './handlers/on-device-registered.js';
import { recordReplies } from './handlers/record-replies.js';
import { sendCommand } from './handlers/send-command.js';
import { routes } from './http.js';
import { commandsStores } from './stores.js';
import { makeStateChanges } from './state-changes.js';

/** The commands module: its operations, the device ports it serves, its routes and its expiry sweep. */
export default defineModule({
  contract: commandsContract,
  handlers: { sendCommand, getCommand, listCommands, cancelCommand, listPendingCommands, markCommandDelivered, recordReplies },
  stores: commandsStores,
  register: { expiry: makeExpiry, stateChanges: makeStateChanges },
  subscriptions: [
    on(devicesContract, 'deviceRegistered', onDeviceRegistered),
    on(devicesContract, 'deviceDecommissioned', onDeviceDecommissioned),
  ],
  calls: [uses(devicesContract, 'getDevice')],
  routes,
  start:
    ({ expiry }: { expiry: Expiry }) =>
    async (ctx) =>
      expiry.start(ctx),
  ports: {
    deviceOutbox: { kind: 'commands/+', pending: 'listPendingCommands', delivered: 'markCommandDelivered', ready: 'commandQueued' },
  },
  deviceTopics: { replies: 'recordReplies' },
  devicePayloads: { 'commands/+': CommandPayload, replies: ReplyPayload },
});
