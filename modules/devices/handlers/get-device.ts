import { notFound } from '../../../src/index.js';
import type { Registry } from '../data/devices.js';
import type { Handler } from '../handler.js';

export const getDevice =
  ({ registry }: { registry: Registry }): Handler<'getDevice'> =>
  async ({ id }) => {
    const device = await registry.byId(id);
    if (!device) throw notFound('device');
    return device;
  };
