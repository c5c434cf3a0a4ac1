import { notFound } from '../../../src/index.js';
import type { Handler } from '../handler.js';

export const getDevice =
  (): Handler<'getDevice'> =>
  async ({ id }, { stores }) => {
    const device = await stores.registry.byId(id);
    if (!device) throw notFound('device');
    return device;
  };
