import type { Knex } from 'knex';
import type { CleaveConfig } from '../config/schema.js';
import { migrateUp } from '../db/migrate.js';
import type { ModuleDefinition } from '../kernel/module.js';

/** What a database task is given for one module. */
export interface DatabaseTask {
  name: string;
  db: Knex;
  definition: ModuleDefinition;
  /** Where the module's data is, secrets left out (see `describeDatabase`). */
  where: string;
}

/**
 * Opens each module's own database (`<module>.db.url`, else `db.url` or `db.dataDir`) in turn, runs `task` on
 * it and closes it again, even on failure.
 * With `migrate`, pending migrations are applied first, quietly.
 */
export async function forEachDatabase<T>(
  config: CleaveConfig,
  definitions: ModuleDefinition[],
  task: (target: DatabaseTask) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T[]> {
  const { databaseOf, describeDatabase, openDatabase } = await import('../db/database.js');
  const results: T[] = [];
  for (const definition of definitions) {
    const name = definition.contract.name;
    const target = databaseOf(config, name);
    const db = await openDatabase(name, target);
    try {
      if (options.migrate) await migrateUp({ module: name, db, folder: definition.migrations });
      results.push(await task({ name, db, definition, where: describeDatabase(name, target) }));
    } finally {
      await db.destroy();
    }
  }
  return results;
}
