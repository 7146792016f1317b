// Migration 0053 on a database that already holds telemetry: the rows move into day partitions (or the default one)
// with their seq, and the rights, policy and indexes of the plain table carry over.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { type Database, migrate, migrationsFolder, openPglite, openPostgres, queryRows } from './client.ts';
import { createTestDatabaseUrl, testEngines } from './testing.ts';

/** The committed migrations up to (not including) the given tag. */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'shequ-migrations-'));
  cpSync(migrationsFolder, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ idx: number; tag: string }> };
  const stop = journal.entries.findIndex((e) => e.tag === tag);
  assert.ok(stop > 0, `migration ${tag} exists`);
  journal.entries = journal.entries.slice(0, stop);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

const DAY = 86_400_000;

for (const engine of testEngines()) {
  describe(`migration 0053: partitioned telemetry (${engine})`, () => {
    const cleanup: Array<() => Promise<void> | void> = [];
    after(async () => {
      for (const c of cleanup.reverse()) await c();
    });

    test('existing rows keep their seq and land in their day partition; rights, policy and indexes carry over', async () => {
      const folder = migrationsBefore('0053_telemetry_partitions');
      cleanup.push(() => rmSync(folder, { recursive: true, force: true }));
      let database: Database;
      if (engine === 'pglite') {
        database = await openPglite();
        // biome-ignore lint/suspicious/noExplicitAny: driver-specific migrator
        await migratePglite(database.db as any, { migrationsFolder: folder });
      } else {
        const { url, drop } = await createTestDatabaseUrl();
        database = await openPostgres(url, { max: 2 });
        cleanup.push(drop);
        // biome-ignore lint/suspicious/noExplicitAny: driver-specific migrator
        await migratePostgres(database.db as any, { migrationsFolder: folder });
      }
      cleanup.push(() => database.close());
      const db = database.db;
      const now = Date.now();
      const times = [now - 2 * DAY, now - 400 * DAY, now - 5 * 365 * DAY].map((t) => new Date(t).toISOString());
      for (const t of times) {
        await db.execute(sql`insert into iot.telemetry (community_id, device_id, kind, identifier, value, time)
          values (gen_random_uuid(), gen_random_uuid(), 'property', 'x', '1'::jsonb, ${t}::timestamptz)`);
      }
      const before = await queryRows<{ seq: string; time: Date | string }>(
        db,
        sql`select seq::text as seq, time from iot.telemetry order by seq`,
      );

      await migrate(database);

      const after = await queryRows<{ seq: string; time: Date | string; part: string; day: string }>(
        db,
        sql`select seq::text as seq, time, tableoid::regclass::text as part,
                   to_char(time at time zone 'Asia/Shanghai', 'YYYYMMDD') as day
              from iot.telemetry order by seq`,
      );
      assert.deepEqual(
        after.map((r) => [r.seq, new Date(r.time).toISOString()]),
        before.map((r) => [r.seq, new Date(r.time).toISOString()]),
      );
      assert.deepEqual(
        after.map((r) => r.part),
        [`iot.telemetry_p${after[0].day}`, `iot.telemetry_p${after[1].day}`, 'iot.telemetry_default'],
      );
      const [table] = await queryRows<{
        kind: string;
        rls: boolean;
        pk: string;
        app: boolean;
        appOnPart: boolean;
        policy: string;
        idx: string;
      }>(
        db,
        sql`select c.relkind::text as kind, c.relrowsecurity as rls,
                   (select pg_get_constraintdef(oid) from pg_constraint where conrelid = c.oid and contype = 'p') as pk,
                   has_table_privilege('shequ_app', 'iot.telemetry', 'SELECT, INSERT, UPDATE, DELETE') as app,
                   has_table_privilege('shequ_app', 'iot.telemetry_default', 'SELECT') as "appOnPart",
                   (select string_agg(policyname, ',') from pg_policies where schemaname = 'iot' and tablename = 'telemetry') as policy,
                   (select string_agg(indexname, ',' order by indexname) from pg_indexes
                     where schemaname = 'iot' and tablename = 'telemetry') as idx
              from pg_class c where c.oid = 'iot.telemetry'::regclass`,
      );
      assert.deepEqual(table, {
        kind: 'p',
        rls: true,
        pk: 'PRIMARY KEY ("time", seq)',
        app: true,
        appOnPart: false,
        policy: 'telemetry_scope',
        idx: 'telemetry_device_time_idx,telemetry_time_seq_pk',
      });
      await db.execute(sql`insert into iot.telemetry (community_id, device_id, kind, identifier, value, time)
        values (gen_random_uuid(), gen_random_uuid(), 'event', 'y', null, now())`);
      const [{ top }] = await queryRows<{ top: string }>(db, sql`select max(seq)::text as top from iot.telemetry`);
      assert.ok(BigInt(top) > BigInt(before[2].seq), 'the sequence carries on');
      const [{ old }] = await queryRows<{ old: boolean }>(
        db,
        sql`select to_regclass('iot.telemetry_unpartitioned') is null as old`,
      );
      assert.equal(old, true);
    });
  });
}
