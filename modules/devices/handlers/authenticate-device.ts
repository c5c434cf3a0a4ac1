import type { Registry } from '../store.js';
import type { Handler } from '../handler.js';
import { spendOneHash, verifySecret } from '../secrets.js';

/** Answers `ok: false` for any bad credentials, after the same work, so a caller cannot tell which part was wrong. */
export const authenticateDevice =
  ({ registry }: { registry: Registry }): Handler<'authenticateDevice'> =>
  async ({ deviceId, secret }) => {
    const secretHash = await registry.secretHashOf(deviceId);
    if (!secretHash) {
      await spendOneHash(secret);
      return { ok: false };
    }
    return { ok: await verifySecret(secret, secretHash) };
  };
