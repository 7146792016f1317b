import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** A digest of the PGlite version, every migration file and the journal: which migrated image fits this checkout. */
function migrationsDigest(): string {
  const h = createHash('sha256');
  const pglite = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  h.update(readFileSync(join(pglite.slice(0, pglite.lastIndexOf('/dist/')), 'package.json')));
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
 * (named by a digest of the PGlite version and the migrations, so a changed migration makes a new one) and the others start from it. `migrate`
 * still runs on each: on a current image it finds nothing to apply.
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
    const migrated =
      opened &&
      (await migrate(opened.database).then(
        () => true,
        () => false,
      ));
    if (opened && migrated) return opened.database;
    // An image another PGlite cannot open or migrate (a different version, a damaged file) is made again.
    await opened?.database.close().catch(() => {});
    rmSync(file, { force: true });
  }
  const { database, dumpImage } = await openPgliteClient();
  await migrate(database);
  // Written aside and renamed, so a test file running beside this one never reads half an image.
  const part = `${file}.${process.pid}.${randomBytes(3).toString('hex')}`;
  writeFileSync(part, Buffer.from(await (await dumpImage()).arrayBuffer()));
  renameSync(part, file);
  // Images of earlier migrations are of no more use.
  for (const name of readdirSync(tmpdir()))
    if (name.startsWith('shequ-test-pglite-') && name.endsWith('.tar') && join(tmpdir(), name) !== file)
      rmSync(join(tmpdir(), name), { force: true });
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
