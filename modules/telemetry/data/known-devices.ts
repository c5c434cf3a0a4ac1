import { notFound, type Knex } from '../../../src/index.js';

/** Telemetry's read model of the devices registry, fed by the devices module's events. */
export function makeKnownDevices(db: Knex) {
  return {
    async record(id: string, decommissioned: boolean): Promise<void> {
      await db('known_devices').insert({ id, decommissioned }).onConflict('id').merge(['decommissioned']);
    },

    /** Fails with NOT_FOUND when the device was never registered. */
    async require(id: string): Promise<void> {
      if ((await db('known_devices').where({ id }).first('id')) === undefined) throw notFound('device');
    },
  };
}

export type KnownDevices = ReturnType<typeof makeKnownDevices>;
