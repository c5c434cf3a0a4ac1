import type { Knex } from '../../../src/index.js';

/** Commands' read model of the devices registry, fed by the devices module's events. */
export function makeKnownDevices(db: Knex) {
  return {
    async record(id: string, decommissioned: boolean): Promise<void> {
      await db('known_devices').insert({ id, decommissioned }).onConflict('id').merge(['decommissioned']);
    },

    /** Notes a device the registry vouched for; what its events said, if they came first, stands. */
    async learn(id: string): Promise<void> {
      await db('known_devices').insert({ id, decommissioned: false }).onConflict('id').ignore();
    },

    async byId(id: string): Promise<{ decommissioned: boolean } | undefined> {
      const row = await db('known_devices').where({ id }).first('decommissioned');
      return row && { decommissioned: Boolean(row.decommissioned) };
    },
  };
}

export type KnownDevices = ReturnType<typeof makeKnownDevices>;
