import type { Knex } from '../../../src/index.js';

interface KeyRow {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: string;
}

export interface StoredKey {
  kid: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createdAt: string;
}

const toKey = (row: KeyRow): StoredKey => ({
  kid: row.kid,
  privateJwk: JSON.parse(row.private_jwk),
  publicJwk: JSON.parse(row.public_jwk),
  createdAt: row.created_at,
});

/** Queries on identity's `signing_keys` table. */
export function makeKeys({ db }: { db: Knex }) {
  return {
    async newest(): Promise<StoredKey | undefined> {
      const row = await db<KeyRow>('signing_keys').orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'kid', order: 'desc' },
      ]).first();
      return row && toKey(row);
    },

    /** Keeps the row already stored under the same kid, so racing writers end up agreeing on one key. */
    async insertIfAbsent(key: StoredKey): Promise<void> {
      await db<KeyRow>('signing_keys')
        .insert({
          kid: key.kid,
          private_jwk: JSON.stringify(key.privateJwk),
          public_jwk: JSON.stringify(key.publicJwk),
          created_at: key.createdAt,
        })
        .onConflict('kid')
        .ignore();
    },

    async publicJwks(): Promise<Array<Record<string, unknown>>> {
      const rows = await db<KeyRow>('signing_keys').orderBy('created_at', 'desc').select('public_jwk');
      return rows.map((row) => JSON.parse(row.public_jwk));
    },
  };
}

export type Keys = ReturnType<typeof makeKeys>;
