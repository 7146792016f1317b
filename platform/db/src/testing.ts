import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { type Database, migrate, migrationsFolder, openPgliteClient, openPostgres } from './client.ts';

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
  if (engine === 'pglite') return migratedPglite();
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

/** A digest of every migration file and the journal: which migrated image fits this checkout. */
function migrationsDigest(): string {
  const h = createHash('sha256');
  for (const dir of [migrationsFolder, join(migrationsFolder, 'meta')])
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.sql') && name !== '_journal.json') continue;
      h.update(name).update(readFileSync(join(dir, name)));
    }
  return h.digest('hex').slice(0, 16);
}

/**
 * A fresh, migrated PGlite database. Initialising PGlite and running every migration takes seconds per database,
 * and a test run makes one or more per file, so the first one made is dumped to an image in the temporary directory
 * (named by the migrations' digest, so a changed migration makes a new one) and the others start from it. `migrate`
 * still runs on each: on a current image it finds nothing to apply. An image that cannot be read is made again.
 */
async function migratedPglite(): Promise<Database> {
  const file = join(tmpdir(), `shequ-test-pglite-${migrationsDigest()}.tar`);
  let image: Blob | undefined;
  try {
    image = new Blob([readFileSync(file)]);
  } catch {
    // No image yet.
  }
  if (image) {
    const opened = await openPgliteClient(undefined, { image }).catch(() => null);
    if (opened) {
      await migrate(opened.database);
      return opened.database;
    }
    rmSync(file, { force: true });
  }
  const { database, dumpImage } = await openPgliteClient();
  await migrate(database);
  // Written aside and renamed, so a test file running beside this one never reads half an image.
  const part = `${file}.${process.pid}.${randomBytes(3).toString('hex')}`;
  writeFileSync(part, Buffer.from(await (await dumpImage()).arrayBuffer()));
  renameSync(part, file);
  return database;
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
