import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type Database, migrate, openPglite, openPostgres } from './client.ts';

export type TestEngine = 'pglite' | 'postgres';

/**
 * The engines database tests run on: PGlite always, PostgreSQL unless SHEQU_TEST_POSTGRES=off.
 * PostgreSQL being unreachable fails the suite; it is never skipped silently.
 */
export function testEngines(): TestEngine[] {
  return process.env.SHEQU_TEST_POSTGRES === 'off' ? ['pglite'] : ['pglite', 'postgres'];
}

const adminUrl = () => process.env.SHEQU_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, migrated database on the given engine; `close` drops it again. */
export async function createTestDatabase(engine: TestEngine): Promise<Database> {
  if (engine === 'pglite') {
    const database = await openPglite();
    await migrate(database);
    return database;
  }
  const { url, drop } = await createTestDatabaseUrl();
  const database = await openPostgres(url, { max: 5 });
  await migrate(database);
  return {
    kind: 'postgres',
    db: database.db,
    close: async () => {
      await database.close();
      await drop();
    },
  };
}

/** The PostgreSQL URL of a fresh database for tests that open their own connections. */
export async function createTestDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `shequ_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 1 });
    },
  };
}
