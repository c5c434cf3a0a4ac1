import { makeRegistry } from './data/devices.js';

/** The unique-violation test goes with the registry's insert, for handlers that map it to a conflict. */
export { isUniqueViolation } from './data/devices.js';

export const devicesStores = { registry: makeRegistry };

export type DevicesStores = typeof devicesStores;
