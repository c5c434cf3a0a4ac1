import type { Registry } from '../data/devices.js';
import type { Handler } from '../handler.js';

export const listDevices =
  ({ registry }: { registry: Registry }): Handler<'listDevices'> =>
  async () => ({ devices: await registry.list() });
