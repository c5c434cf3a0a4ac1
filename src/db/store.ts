import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';

/** Where a module's data lives. */
export interface StoreOptions {
  /** Folder of the SQLite files, or `:memory:` for throwaway in-memory stores. */
  dataDir: string;
  /** A PostgreSQL URL; when set, each module gets its own schema there instead of a SQLite file. */
  url?: string;
}

/** The schema a module's tables live in on PostgreSQL. */
export const schemaOf = (module: string) => module.replace(/-/g, '_');

/**
 * Opens a module's own store: `<dataDir>/<module>.sqlite` (WAL, busy timeout) or, with a PostgreSQL URL,
 * a pool whose `search_path` is the module's own schema (created when missing).
 */
export async function openStore(module: string, options: StoreOptions): Promise<Knex> {
  if (options.url) return openPostgres(module, options.url);
  return openSqlite(module, options.dataDir);
}

function openSqlite(module: string, dataDir: string): Knex {
  let filename = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    filename = join(dataDir, `${module}.sqlite`);
  }
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
      afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('busy_timeout = 5000');
        conn.pragma('foreign_keys = ON');
        done(null, conn);
      },
    },
  });
}

async function openPostgres(module: string, url: string): Promise<Knex> {
  const schema = schemaOf(module);
  const db = knexFactory({
    client: 'pg',
    connection: url,
    searchPath: [schema],
    pool: { min: 0, max: 10 },
  });
  await db.raw('create schema if not exists ??', [schema]);
  return db;
}
