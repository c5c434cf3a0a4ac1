import { conflict, type SealSecret } from '../../../src/index.js';
import type { Device } from '../contract.js';
import { isUniqueViolation } from '../stores.js';
import type { Handler } from '../handler.js';
import { newDeviceId, newSecret, verifierOf } from '../secrets.js';

interface Deps {
  clock: () => Date;
  sealSecret: SealSecret;
}

const idTaken = () => conflict('a device with this id exists or existed; ids are never reused');

export const registerDevice =
  ({ clock, sealSecret }: Deps): Handler<'registerDevice'> =>
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
    try {
      // The device broker learns the secret from the event, after commit (sealed: only the kernel opens it).
      await ctx.transaction(async (tx) => {
        await tx.stores.registry.insert({ ...device, secretHash });
        await tx.publish('deviceRegistered', { id, name: device.name, labels: device.labels });
        await tx.publish('deviceSecretIssued', { id, secret: sealSecret(id, secret) });
      });
    } catch (err) {
      throw isUniqueViolation(err) ? idTaken() : err;
    }
    return { ...device, secret };
  };
