import type { Knex } from '../../../src/index.js';

interface KeyRow {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: string;
  retired_at: string | null;
}

export interface StoredKey {
  kid: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createdAt: string;
}

export interface RetiringKey {
  kid: string;
  retiresAt: string;
}

const toKey = (row: KeyRow): StoredKey => ({
  kid: row.kid,
  privateJwk: JSON.parse(row.private_jwk),
  publicJwk: JSON.parse(row.public_jwk),
  createdAt: row.created_at,
});

const toRow = (key: StoredKey): KeyRow => ({
  kid: key.kid,
  private_jwk: JSON.stringify(key.privateJwk),
  public_jwk: JSON.stringify(key.publicJwk),
  created_at: key.createdAt,
  retired_at: null,
});

/** Newest first, ties broken by kid: every replica picks the same signing key, even after racing rotations. */
const newestFirst = [
  { column: 'created_at', order: 'desc' },
  { column: 'kid', order: 'desc' },
] as const;

/**
 * Queries on identity's `signing_keys` table. A key signs while `retired_at` is empty; once rotated out it
 * stays in the key set until `retired_at`, when the last token it signed has expired.
 */
export function makeKeys(db: Knex) {
  return {
    async current(): Promise<StoredKey | undefined> {
      const row = await db<KeyRow>('signing_keys').whereNull('retired_at').orderBy([...newestFirst]).first();
      return row && toKey(row);
    },

    /** Keeps the row already stored under the same kid, so racing writers end up agreeing on one key. */
    async insertIfAbsent(key: StoredKey): Promise<void> {
      await db<KeyRow>('signing_keys').insert(toRow(key)).onConflict('kid').ignore();
    },

    /** In a transaction: makes `next` the only signing key; the keys it replaces retire at `retiresAt`. Drops keys already retired. */
    async rotate(next: StoredKey, retiresAt: string): Promise<RetiringKey[]> {
      await db<KeyRow>('signing_keys').whereNotNull('retired_at').where('retired_at', '<=', next.createdAt).delete();
      const replaced = await db<KeyRow>('signing_keys').whereNull('retired_at').pluck('kid');
      await db<KeyRow>('signing_keys').whereIn('kid', replaced).whereNull('retired_at').update({ retired_at: retiresAt });
      await db<KeyRow>('signing_keys').insert(toRow(next));
      return replaced.sort().map((kid) => ({ kid, retiresAt }));
    },

    /** Public keys that may still verify a token at `now`: the signing ones and those not yet retired. */
    async publicJwks(now: string): Promise<Array<Record<string, unknown>>> {
      const rows = await db<KeyRow>('signing_keys')
        .where((live) => live.whereNull('retired_at').orWhere('retired_at', '>', now))
        .orderBy([...newestFirst])
        .select('public_jwk');
      return rows.map((row) => JSON.parse(row.public_jwk));
    },
  };
}

export type Keys = ReturnType<typeof makeKeys>;
