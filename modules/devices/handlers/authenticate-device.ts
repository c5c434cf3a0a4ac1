import type { Logger } from '../../../src/index.js';
import type { Handler } from '../handler.js';
import { spendOneCheck, verifierOf, verifySecret } from '../secrets.js';

/**
 * Answers `ok: false` for any bad credentials, after the same work, so a caller cannot tell which part was wrong;
 * the log says which, for the operator. A good secret stored in an older format is stored anew.
 */
export const authenticateDevice =
  ({ log }: { log: Logger }): Handler<'authenticateDevice'> =>
  async ({ deviceId, secret }, { stores: { registry } }) => {
    const stored = await registry.secretHashOf(deviceId);
    if (!stored) {
      spendOneCheck(secret);
      log.info({ deviceId }, 'device refused: unknown or decommissioned');
      return { ok: false };
    }
    const { ok, outdated } = await verifySecret(secret, stored);
    if (!ok) log.info({ deviceId }, 'device refused: wrong secret');
    else if (outdated) await registry.upgradeSecretHash(deviceId, stored, verifierOf(secret));
    return { ok };
  };
