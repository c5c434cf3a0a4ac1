import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests use: `CLEAVE_TEST_PG_URL`, or the local one with trust auth. */
export const serverUrl = process.env.CLEAVE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let checked: Promise<boolean> | undefined;

/**
 * True when PostgreSQL is there. Under CI a missing server fails the run; elsewhere the caller skips its
 * PostgreSQL cases and one line says how to enable them.
 */
export async function postgresAvailable(): Promise<boolean> {
  checked ??= reachable().then((ok) => {
    if (ok) return true;
    if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI but ${serverUrl} is not reachable`);
    console.log(`PostgreSQL tests skipped: start PostgreSQL on 127.0.0.1:5432 or set CLEAVE_TEST_PG_URL`);
    return false;
  });
  return checked;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * At most this many databases of one test file exist at once: the tests of a file run side by side, and each
 * host holds a pool per module, so without a bound they exhaust the server's 100 connections.
 */
const maxDatabases = 3;
let open = 0;
const waiting: Array<() => void> = [];

async function slot(): Promise<() => void> {
  if (open >= maxDatabases) await new Promise<void>((resolve) => waiting.push(resolve));
  else open += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = waiting.shift();
    if (next) next();
    else open -= 1;
  };
}

/** Creates a fresh database and returns its URL and a function that drops it (waiting while others are in use). */
export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const release = await slot();
  const name = `cleave_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin((client) => client.query(`create database ${name}`));
  } catch (err) {
    release();
    throw err;
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((client) => client.query(`drop database if exists ${name} with (force)`)).then(release, (err: unknown) => {
      release();
      throw err;
    }),
  };
}
