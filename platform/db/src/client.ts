import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { is, type SQL, sql } from 'drizzle-orm';
import { type PgDatabase, type PgDialect, type PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres, PostgresJsSession, PostgresJsTransaction } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

// The relational query API (`db.query.<table>`) is not used: drizzle is given no schema object, because with one it
// builds a query builder per table for every transaction it opens (a few hundred objects per request; 3% of a busy
// API process's CPU in the search benchmark).
// biome-ignore lint/complexity/noBannedTypes: no relational schema
export type Schema = {};
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
export async function openPglite(dir?: string, opts: { image?: Blob } = {}): Promise<Database> {
  return (await openPgliteClient(dir, opts)).database;
}

/**
 * PGlite and its client: in memory or in `dir`, made empty or, with `image`, from a data directory `dumpImage`
 * wrote (a copy of a database already set up, which skips initialising and migrating it again).
 */
export async function openPgliteClient(
  dir?: string,
  opts: { image?: Blob } = {},
): Promise<{ database: Database; dumpImage: () => Promise<Blob> }> {
  const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
  const client = await PGlite.create({
    ...(dir ? { dataDir: dir } : {}),
    ...(opts.image ? { loadDataDir: opts.image } : {}),
    extensions: { btree_gist },
  });
  const db = drizzlePglite(client) as unknown as Db;
  return {
    database: { kind: 'pglite', db, close: () => client.close() },
    dumpImage: () => client.dumpDataDir('none') as Promise<Blob>,
  };
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
  const db = drizzlePostgres(preparing(client)) as unknown as Db;
  return { kind: 'postgres', db, close: () => client.end({ timeout: 5 }) };
}

/**
 * drizzle asks postgres.js not to prepare its queries, and postgres.js then learns the parameter types of every
 * parameterised query in a round trip of its own before it can run it (Parse + Describe, wait, then Bind + Execute),
 * and cannot pipeline it. This client prepares instead: a statement is parsed once per connection and then run in one
 * round trip. Statements without parameters already run in one round trip unprepared (and may carry inlined values
 * that would fill the cache), and statements with many parameters (bulk inserts of varying size) stay unprepared, so
 * the per-connection statement cache stays small; postgres.js replaces its connections every 30–60 minutes.
 */
export const preparedParamLimit = 64;
function preparing(client: postgres.Sql): postgres.Sql {
  const wrap = (sql: postgres.Sql) =>
    new Proxy(sql, {
      get(target, prop, receiver) {
        if (prop === 'unsafe') {
          return (query: string, params?: unknown[], opts?: { prepare?: boolean }) =>
            target.unsafe(
              query,
              params as never,
              opts?.prepare === false && (params?.length ?? 0) > 0 && (params?.length ?? 0) <= preparedParamLimit
                ? { ...opts, prepare: true }
                : opts,
            );
        }
        if (prop === 'reserve') {
          return async () => reservedWithSavepoints(await target.reserve());
        }
        if (prop === 'begin' || prop === 'savepoint') {
          const run = Reflect.get(target, prop, receiver) as (...args: unknown[]) => unknown;
          return (...args: unknown[]) => {
            const fn = args.pop() as (tx: postgres.Sql) => unknown;
            return run.call(target, ...args, (tx: postgres.Sql) => fn(wrap(tx)));
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
  // A reserved connection has no `savepoint` of its own (only postgres.js's `begin` scope has one); drizzle's nested
  // transactions call it, so give it one.
  const reservedWithSavepoints = (reserved: postgres.ReservedSql) => {
    let n = 0;
    const wrapped = wrap(reserved);
    const withSavepoints: postgres.Sql = new Proxy(wrapped, {
      get(target, prop, receiver) {
        if (prop !== 'savepoint') return Reflect.get(target, prop, receiver);
        return async (...args: unknown[]) => {
          const fn = args.pop() as (tx: postgres.Sql) => unknown;
          const name = `shequ_sp${++n}`;
          await wrapped.unsafe(`savepoint ${name}`);
          try {
            // Savepoints nest: the inner transaction gets this same connection, savepoints and all.
            const result = await fn(withSavepoints);
            await wrapped.unsafe(`release savepoint ${name}`);
            return result;
          } catch (err) {
            await wrapped.unsafe(`rollback to savepoint ${name}`);
            throw err;
          }
        };
      },
    });
    return withSavepoints;
  };
  return wrap(client);
}

/**
 * Runs `fn` in a transaction that starts with `prelude` (for instance the row-level-security scope). On PostgreSQL
 * the BEGIN, the prelude and the first statement of `fn` leave in one write and come back in one read instead of
 * three round trips: the connection is reserved and the statements are queued on it in order, so `fn` cannot run
 * before the prelude has. A failed prelude fails the transaction with its own error. Elsewhere (PGlite, or already
 * inside a transaction) it is a plain transaction that awaits the prelude first.
 */
export async function transactionWith<T>(ex: Executor, prelude: SQL, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const session = (ex as unknown as { session?: unknown }).session;
  if (ex instanceof PgTransaction || !is(session, PostgresJsSession)) {
    return ex.transaction(async (tx) => {
      await tx.execute(prelude);
      return fn(tx);
    });
  }
  const root = session as PostgresJsSession<postgres.Sql, Schema, never> & {
    client: postgres.Sql;
    options: ConstructorParameters<typeof PostgresJsSession>[3];
  };
  const dialect = (ex as unknown as { dialect: PgDialect }).dialect;
  const reserved = await root.client.reserve();
  try {
    const begin = reserved.unsafe('begin');
    const q = dialect.sqlToQuery(prelude);
    const scoped = reserved.unsafe(q.sql, q.params as never[], { prepare: false });
    // Both settle before `fn`'s statements do; their rejections are read below, not left unhandled.
    begin.catch(() => {});
    scoped.catch(() => {});
    // The reserved connection has the savepoint a transaction session needs (see `preparing`).
    const txSession = new PostgresJsSession<postgres.Sql, Schema, never>(
      reserved as unknown as postgres.Sql,
      dialect,
      undefined,
      root.options,
    );
    const tx = new PostgresJsTransaction<Schema, never>(
      dialect,
      // biome-ignore lint/suspicious/noExplicitAny: drizzle types this session over TransactionSql; see above.
      txSession as any,
      undefined,
    ) as unknown as Tx;
    let result: T;
    try {
      result = await fn(tx);
      await begin;
      await scoped;
    } catch (err) {
      await reserved.unsafe('rollback').catch(() => {});
      // The prelude's own failure explains the rest ("current transaction is aborted").
      await begin;
      await scoped;
      throw err;
    }
    await reserved.unsafe('commit');
    return result;
  } finally {
    reserved.release();
  }
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
