import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { kernelMigrations } from './kernel-migrations.js';

type Migration = { up(db: Knex): Promise<void>; down(db: Knex): Promise<void> };

/** The migrations folder of the build, with one sub-folder per module. */
export const defaultMigrationsRoot = new URL('../../migrations/', import.meta.url);

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
    return (await import(new URL(file, this.folder).href)) as Migration;
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

/** Applies pending kernel and module migrations; returns the names applied. */
export async function migrateUp(target: MigrationTarget): Promise<string[]> {
  const applied: string[] = [];
  for (const config of configs(target)) {
    const [, names] = (await target.db.migrate.latest(config)) as [number, string[]];
    applied.push(...names);
  }
  return applied;
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
