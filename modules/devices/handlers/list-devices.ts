import type { Handler } from '../handler.js';

export const listDevices =
  (): Handler<'listDevices'> =>
  async (_input, { stores }) => ({ devices: await stores.registry.list() });
