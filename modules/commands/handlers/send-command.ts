import { randomUUID } from 'node:crypto';
import { invalid, type OperationHandler } from '../../../src/index.js';
import type { Command, commandsContract } from '../contract.js';
import type { CommandsStores } from '../stores.js';
import type { StateChanges } from '../state-changes.js';
import { requireLiveDevice } from './require-live-device.js';

interface Deps {
  clock: () => Date;
  stateChanges: StateChanges;
}

const maxArgsBytes = 16 * 1024;

function checkSize(args: Record<string, unknown>): void {
  const bytes = Buffer.byteLength(JSON.stringify(args));
  if (bytes <= maxArgsBytes) return;
  const message = `args: must be at most ${maxArgsBytes} bytes as JSON; these are ${bytes}`;
  throw invalid(message, { issues: [{ path: '/args', message }] });
}

/** Queues a command for a registered, live device: the command and its `commandQueued` commit together. */
export const sendCommand =
  ({ clock, stateChanges }: Deps): OperationHandler<typeof commandsContract, 'sendCommand', CommandsStores> =>
  async ({ deviceId, name, args, ttlSeconds = 3600 }, ctx) => {
    checkSize(args);
    await requireLiveDevice(deviceId, ctx);
    const now = clock();
    const command: Command = {
      id: randomUUID(),
      deviceId,
      name,
      args,
      state: 'pending',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
      deliveredAt: null,
      finishedAt: null,
      result: null,
      error: null,
    };
    await ctx.transaction(async (tx) => {
      await tx.stores.commands.insert(command);
      await tx.publish('commandQueued', { id: command.id, deviceId, name });
    });
    stateChanges.entered('pending');
    return command;
  };
