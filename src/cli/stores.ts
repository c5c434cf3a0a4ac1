import type { Knex } from 'knex';
import type { CleaveConfig } from '../config/schema.js';
import { migrateUp } from '../db/migrate.js';
import type { ModuleDefinition } from '../kernel/module.js';

/** What a store task is given for one module. */
export interface StoreTask {
  name: string;
  db: Knex;
  definition: ModuleDefinition;
}

/**
 * Opens each module's store in turn, runs `task` on it and closes it again, even on failure.
 * With `migrate`, pending migrations are applied first, quietly.
 */
export async function forEachStore<T>(
  config: CleaveConfig,
  definitions: ModuleDefinition[],
  task: (target: StoreTask) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T[]> {
  const { openStore } = await import('../db/store.js');
  const results: T[] = [];
  for (const definition of definitions) {
    const name = definition.contract.name;
    const db = await openStore(name, { dataDir: config.db.dataDir, url: config.db.url });
    try {
      if (options.migrate) await migrateUp({ module: name, db, folder: definition.migrations });
      results.push(await task({ name, db, definition }));
    } finally {
      await db.destroy();
    }
  }
  return results;
}
