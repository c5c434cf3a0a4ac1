import type { OperationHandler } from '../../src/index.js';
import type { devicesContract } from './contract.js';
import type { DevicesStores } from './stores.js';

export type DevicesContract = typeof devicesContract;

/** A handler of one of the devices module's operations. */
export type Handler<K extends keyof DevicesContract['operations']> = OperationHandler<DevicesContract, K, DevicesStores>;
