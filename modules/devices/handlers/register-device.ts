import { conflict, type DeviceCredentials } from '../../../src/index.js';
import type { Device } from '../contract.js';
import { isUniqueViolation } from '../data/devices.js';
import type { Handler } from '../handler.js';
import { newDeviceId, newSecret, verifierOf } from '../secrets.js';

interface Deps {
  clock: () => Date;
  deviceCredentials: DeviceCredentials;
}

const idTaken = () => conflict('a device with this id exists or existed; ids are never reused');

export const registerDevice =
  ({ clock, deviceCredentials }: Deps): Handler<'registerDevice'> =>
  async (input, ctx) => {
    const id = input.id ?? newDeviceId();
    if (await ctx.stores.registry.idTaken(id)) throw idTaken();
    const device: Device = {
      id,
      name: input.name,
      labels: input.labels ?? {},
      online: false,
      lastSeenAt: null,
      createdAt: clock().toISOString(),
    };
    const secret = newSecret();
    const secretHash = verifierOf(secret);
    let provisioned = false;
    try {
      // The broker learns the secret inside the transaction: if it cannot, nothing is registered.
      await ctx.transaction(async (tx) => {
        await tx.stores.registry.insert({ ...device, secretHash });
        await tx.publish('deviceRegistered', { id, name: device.name, labels: device.labels });
        await deviceCredentials.set(id, secret);
        provisioned = true;
      });
    } catch (err) {
      if (provisioned) await deviceCredentials.revoke(id).catch(() => undefined);
      throw isUniqueViolation(err) ? idTaken() : err;
    }
    return { ...device, secret };
  };
