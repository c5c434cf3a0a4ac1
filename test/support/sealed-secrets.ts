import { SecretSeal } from '../../src/kernel/secret-seal.js';
import { testBusKey } from './host.js';

/** Opens a device secret that a test host sealed in a credential event (test hosts hold `testBusKey`). */
export const openSealedSecret = (deviceId: string, sealed: string) => new SecretSeal(testBusKey).open(deviceId, sealed);
