import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { kernelMigrations } from './kernel-migrations.js';
import { buildFile, importModule } from '../files.js';

type Migration = { up(db: Knex): Promise<void>; down(db: Knex): Promise<void> };

/** The migrations folder of the build, with one sub-folder per module. */
export const defaultMigrationsRoot = buildFile('migrations/');

const migrationFile = /^\d{4}_[\w-]+\.js$/;

/** Reads `NNNN_what.js` files of one folder, in order. */
class FolderSource implements Knex.MigrationSource<string> {
  constructor(private readonly folder: URL) {}
  async getMigrations(): Promise<string[]> {
    const path = fileURLToPath(this.folder);
    if (!existsSync(path)) return [];
    return readdirSync(path).filter((f) => migrationFile.test(f)).sort();
  }
  getMigrationName(file: string): string {
    return file.replace(/\.js$/, '');
  }
  async getMigration(file: string): Promise<Migration> {
    return (await importModule(new URL(file, this.folder).href)) as Migration;
  }
}

class KernelSource implements Knex.MigrationSource<string> {
  async getMigrations() {
    return Object.keys(kernelMigrations).sort();
  }
  getMigrationName(name: string) {
    return name;
  }
  async getMigration(name: string) {
    return kernelMigrations[name];
  }
}

/** Where one module's migrations are and which tables record them. */
export interface MigrationTarget {
  module: string;
  db: Knex;
  /** Folder of the module's migrations (default `migrations/<module>/`). */
  folder?: URL;
}

/** Status of one module's migrations. */
export interface MigrationStatus {
  module: string;
  applied: string[];
  pending: string[];
}

const configs = (target: MigrationTarget): Knex.MigratorConfig[] => [
  { migrationSource: new KernelSource(), tableName: 'cleave_kernel_migrations' },
  {
    migrationSource: new FolderSource(target.folder ?? new URL(`${target.module}/`, defaultMigrationsRoot)),
    tableName: 'cleave_migrations',
  },
];

/**
 * Applies pending kernel and module migrations in one transaction; returns the names applied. The tables are
 * knex's own (`cleave_kernel_migrations`, `cleave_migrations` and their `_lock` tables, same columns, one batch
 * number per table and run), so `migrate down` and `status` read what this wrote. A store that is up to date costs
 * one read of each table. Two processes migrating one store at once are serialised by the transaction: the second
 * waits for the first, then finds nothing pending. A lock left by a knex migrator fails the start, as knex would.
 */
export async function migrateUp(target: MigrationTarget): Promise<string[]> {
  const plans = await Promise.all(configs(target).map((config) => planOf(config)));
  const pending = await pendingOf(target.db, plans);
  if (pending.every((names) => names.length === 0)) return [];
  for (const plan of plans) await ensureTables(target.db, plan.table);
  return target.db.transaction(async (trx) => {
    const applied: string[] = [];
    // Taking the locks is the transaction's first statement, a write: a second process waits here for the first.
    for (const plan of plans) await takeLock(trx, plan.table);
    const todo = await pendingOf(trx, plans);
    for (const [i, plan] of plans.entries()) {
      for (const name of todo[i]) {
        const migration = await plan.source.getMigration(plan.files.get(name)!);
        if (typeof migration.up !== 'function' || typeof migration.down !== 'function') {
          throw new Error(`Invalid migration: ${name} must have both an up and down function`);
        }
        await migration.up(trx);
      }
      if (todo[i].length) {
        const [{ batch }] = (await trx(plan.table).max('batch as batch')) as Array<{ batch: number | null }>;
        const migration_time = new Date();
        await trx(plan.table).insert(todo[i].map((name) => ({ name, batch: (batch ?? 0) + 1, migration_time })));
      }
      await trx(`${plan.table}_lock`).update({ is_locked: 0 });
      applied.push(...todo[i]);
    }
    return applied;
  });
}

interface Plan {
  table: string;
  source: Knex.MigrationSource<string>;
  /** Each migration's file (or key) by name, in order. */
  files: Map<string, string>;
}

async function planOf(config: Knex.MigratorConfig): Promise<Plan> {
  const source = config.migrationSource as Knex.MigrationSource<string>;
  const files = new Map((await source.getMigrations([])).map((file) => [source.getMigrationName(file), file]));
  return { table: config.tableName!, source, files };
}

/** The names each plan has yet to apply; fails like knex when a recorded migration has no file any more. */
async function pendingOf(db: Knex | Knex.Transaction, plans: Plan[]): Promise<string[][]> {
  return Promise.all(
    plans.map(async ({ table, files }) => {
      const done = (await db.schema.hasTable(table)) ? ((await db(table).select('name')) as Array<{ name: string }>).map((r) => r.name) : [];
      const missing = done.filter((name) => !files.has(name));
      if (missing.length) throw new Error(`The migration directory is corrupt, the following files are missing: ${missing.join(', ')}`);
      const applied = new Set(done);
      return [...files.keys()].filter((name) => !applied.has(name));
    }),
  );
}

/**
 * Creates a migrations table and its lock table, with its one row, as knex does when they are missing. Another
 * process may be doing the same at the same moment: a table it created first is as good.
 */
async function ensureTables(db: Knex, table: string): Promise<void> {
  const lock = `${table}_lock`;
  await createMissing(db, table, (t) => {
    t.increments();
    t.string('name');
    t.integer('batch');
    t.timestamp('migration_time');
  });
  await createMissing(db, lock, (t) => {
    t.increments('index').primary();
    t.integer('is_locked');
  });
  await db.raw('insert into ?? (??) select 0 where not exists (select 1 from ??)', [lock, 'is_locked', lock]);
}

async function createMissing(db: Knex, table: string, columns: (t: Knex.CreateTableBuilder) => void): Promise<void> {
  if (await db.schema.hasTable(table)) return;
  try {
    await db.schema.createTable(table, columns);
  } catch (err) {
    if (!(await db.schema.hasTable(table))) throw err;
  }
}

async function takeLock(trx: Knex.Transaction, table: string): Promise<void> {
  const taken = await trx(`${table}_lock`).where('is_locked', 0).update({ is_locked: 1 });
  if (taken !== 1) throw new Error(`Migration table is already locked (${table}_lock): if no migration is running, set its is_locked to 0`);
}

/** Rolls back the module's last batch of migrations (kernel tables stay); returns the names rolled back. */
export async function migrateDown(target: MigrationTarget): Promise<string[]> {
  const [, names] = (await target.db.migrate.rollback(configs(target)[1])) as [number, string[]];
  return names;
}

/** Applied and pending migrations, kernel ones prefixed `kernel:`. */
export async function migrationStatus(target: MigrationTarget): Promise<MigrationStatus> {
  const status: MigrationStatus = { module: target.module, applied: [], pending: [] };
  const [kernel, own] = configs(target);
  for (const [config, prefix] of [[kernel, 'kernel:'], [own, '']] as const) {
    const [done, todo] = (await target.db.migrate.list(config)) as [Array<{ name: string }>, Array<{ file: string }>];
    status.applied.push(...done.map((m) => prefix + m.name));
    status.pending.push(...todo.map((m) => prefix + config.migrationSource!.getMigrationName(m.file ?? m)));
  }
  return status;
}
