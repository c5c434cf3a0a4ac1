import { makeRegistry } from './data/devices.js';

export const devicesStores = { registry: makeRegistry };

export type DevicesStores = typeof devicesStores;
