import type { Logger } from '../../../src/index.js';
import type { Registry } from '../store.js';
import type { Handler } from '../handler.js';
import { spendOneHash, verifySecret } from '../secrets.js';

/**
 * Answers `ok: false` for any bad credentials, after the same work, so a caller cannot tell which part was wrong;
 * the log says which, for the operator.
 */
export const authenticateDevice =
  ({ registry, log }: { registry: Registry; log: Logger }): Handler<'authenticateDevice'> =>
  async ({ deviceId, secret }) => {
    const secretHash = await registry.secretHashOf(deviceId);
    if (!secretHash) {
      await spendOneHash(secret);
      log.info({ deviceId }, 'device refused: unknown or decommissioned');
      return { ok: false };
    }
    const ok = await verifySecret(secret, secretHash);
    if (!ok) log.info({ deviceId }, 'device refused: wrong secret');
    return { ok };
  };
