import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
// biome-ignore lint/suspicious/noExplicitAny: both drivers' HKTs meet here; repositories normalise results.
export type Db = PgDatabase<PgQueryResultHKT, Schema, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above.
export type Tx = PgTransaction<PgQueryResultHKT, Schema, any>;
/** Anything a repository may run queries on: the database or a transaction. */
export type Executor = Db | Tx;

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  kind: DatabaseKind;
  db: Db;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

/** Opens an embedded PGlite database in `dir` (or in memory when `dir` is undefined). The caller holds the data-dir lock. */
export async function openPglite(dir?: string): Promise<Database> {
  const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
  const client = await PGlite.create(
    dir ? { dataDir: dir, extensions: { btree_gist } } : { extensions: { btree_gist } },
  );
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return { kind: 'pglite', db, close: () => client.close() };
}

/** Connects to PostgreSQL; fails with a message naming DATABASE_URL (without its password) when it cannot. */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Database> {
  const client = postgres(url, { max: opts.max ?? 10, onnotice: () => {}, connect_timeout: 5 });
  try {
    await client`select 1`;
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw new Error(`cannot connect to DATABASE_URL (${redactUrl(url)}): ${(err as Error).message}`);
  }
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return { kind: 'postgres', db, close: () => client.end({ timeout: 5 }) };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** Applies committed migrations. On PostgreSQL an advisory lock keeps concurrent starters from racing. */
export async function migrate(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    // biome-ignore lint/suspicious/noExplicitAny: driver-specific migrator
    await migratePglite(database.db as any, { migrationsFolder });
    return;
  }
  await database.db.execute(sql`select pg_advisory_lock(7331001)`);
  try {
    // biome-ignore lint/suspicious/noExplicitAny: driver-specific migrator
    await migratePostgres(database.db as any, { migrationsFolder });
  } finally {
    await database.db.execute(sql`select pg_advisory_unlock(7331001)`);
  }
}

/** Runs raw SQL and returns rows the same way on both drivers (PGlite answers `{rows}`, postgres.js an array). */
export async function queryRows<T = Record<string, unknown>>(ex: Executor, query: SQL): Promise<T[]> {
  const res = (await ex.execute(query)) as unknown;
  if (Array.isArray(res)) return res as T[];
  return ((res as { rows?: T[] }).rows ?? []) as T[];
}
