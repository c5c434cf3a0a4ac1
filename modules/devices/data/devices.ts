import type { Knex } from '../../../src/index.js';
import type { Device } from '../contract.js';

interface DeviceRow {
  id: string;
  name: string;
  labels: string;
  secret_hash: string | null;
  online: boolean | number;
  last_seen_at: string | null;
  created_at: string;
  decommissioned_at: string | null;
}

export interface NewDevice {
  id: string;
  name: string;
  labels: Record<string, string>;
  secretHash: string;
  createdAt: string;
}

const toDevice = (row: DeviceRow): Device => ({
  id: row.id,
  name: row.name,
  labels: JSON.parse(row.labels),
  online: Boolean(row.online),
  lastSeenAt: row.last_seen_at,
  createdAt: row.created_at,
});

/**
 * Queries on the `devices` table. Decommissioned rows stay (ids are never reused) but only `idTaken` sees them.
 */
export function makeRegistry(db: Knex) {
  const active = () => db<DeviceRow>('devices').whereNull('decommissioned_at');
  return {
    async insert(device: NewDevice): Promise<void> {
      await db<DeviceRow>('devices').insert({
        id: device.id,
        name: device.name,
        labels: JSON.stringify(device.labels),
        secret_hash: device.secretHash,
        online: false,
        last_seen_at: null,
        created_at: device.createdAt,
        decommissioned_at: null,
      });
    },

    async idTaken(id: string): Promise<boolean> {
      return (await db<DeviceRow>('devices').where({ id }).first('id')) !== undefined;
    },

    async byId(id: string): Promise<Device | undefined> {
      const row = await active().where({ id }).first();
      return row && toDevice(row);
    },

    async list(): Promise<Device[]> {
      const rows = await active().orderBy([{ column: 'created_at' }, { column: 'id' }]);
      return rows.map(toDevice);
    },

    async secretHashOf(id: string): Promise<string | undefined> {
      const row = await active().where({ id }).first('secret_hash');
      return row?.secret_hash ?? undefined;
    },

    /** Replaces a verifier with one of the current format, unless it changed meanwhile (a rotation wins). */
    async upgradeSecretHash(id: string, stored: string, secretHash: string): Promise<void> {
      await active().where({ id, secret_hash: stored }).update({ secret_hash: secretHash });
    },

    /** False when the device is unknown or decommissioned. */
    async replaceSecretHash(id: string, secretHash: string): Promise<boolean> {
      return (await active().where({ id }).update({ secret_hash: secretHash })) > 0;
    },

    /** False when the device is unknown or already decommissioned. */
    async decommission(id: string, at: string): Promise<boolean> {
      const changes = { decommissioned_at: at, secret_hash: null, online: false };
      return (await active().where({ id }).update(changes)) > 0;
    },

    /** True only when this call changed the state, so racing calls agree on who saw the transition. */
    async setOnline(id: string, online: boolean): Promise<boolean> {
      return (await active().where({ id, online: !online }).update({ online })) > 0;
    },

    /** Moves `last_seen_at` forward to `at`, never back; `at` is a normalised ISO-8601 instant. */
    async touch(id: string, at: string): Promise<void> {
      await active()
        .where({ id })
        .andWhere((q) => q.whereNull('last_seen_at').orWhere('last_seen_at', '<', at))
        .update({ last_seen_at: at });
    },
  };
}

export type Registry = ReturnType<typeof makeRegistry>;

/** True when `err` is the store refusing a second row with the same key (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
