import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { createTestDatabase, type Database, testEngines, withScope } from './index.ts';
import { compounds, regions } from './schema/index.ts';

for (const engine of testEngines()) {
  describe(`row-level security [${engine}]`, () => {
    let database: Database;
    let a: string;
    let b: string;
    before(async () => {
      database = await createTestDatabase(engine);
      const [ra, rb] = await database.db
        .insert(regions)
        .values([
          { level: 'community', code: 'a', name: 'A', path: '/a/' },
          { level: 'community', code: 'b', name: 'B', path: '/b/' },
        ])
        .returning();
      a = ra.id;
      b = rb.id;
      await database.db.insert(compounds).values([
        { communityId: a, code: 'a1', name: 'A 小区 1' },
        { communityId: a, code: 'a2', name: 'A 小区 2' },
        { communityId: b, code: 'b1', name: 'B 小区 1' },
      ]);
    });
    after(() => database.close());

    test('a query for community A that forgets its filter sees only A', async () => {
      const rows = await withScope(database.db, { kind: 'communities', ids: [a] }, (tx) => tx.select().from(compounds));
      assert.deepEqual(rows.map((r) => r.code).sort(), ['a1', 'a2']);
    });

    test('even a direct lookup of B by id returns nothing under A', async () => {
      const rows = await withScope(database.db, { kind: 'communities', ids: [a] }, (tx) =>
        tx.select().from(compounds).where(eq(compounds.communityId, b)),
      );
      assert.equal(rows.length, 0);
    });

    test('writing a row for B under A is refused', async () => {
      await assert.rejects(
        withScope(database.db, { kind: 'communities', ids: [a] }, (tx) =>
          tx.insert(compounds).values({ communityId: b, code: 'x', name: 'x' }),
        ),
        (err: Error) => /row-level security/.test(String((err.cause as Error | undefined)?.message ?? err.message)),
      );
    });

    test('updating B under A touches nothing', async () => {
      const res = await withScope(database.db, { kind: 'communities', ids: [a] }, (tx) =>
        tx.update(compounds).set({ name: 'hijacked' }).where(eq(compounds.communityId, b)).returning(),
      );
      assert.equal(res.length, 0);
      const [row] = await database.db.select().from(compounds).where(eq(compounds.code, 'b1'));
      assert.equal(row.name, 'B 小区 1');
    });

    test('an empty scope sees nothing; the all scope sees everything', async () => {
      const none = await withScope(database.db, { kind: 'communities', ids: [] }, (tx) => tx.select().from(compounds));
      assert.equal(none.length, 0);
      const all = await withScope(database.db, { kind: 'all' }, (tx) => tx.select().from(compounds));
      assert.equal(all.length, 3);
    });

    test('the scope ends with its transaction', async () => {
      await withScope(database.db, { kind: 'communities', ids: [a] }, async () => {});
      const rows = await database.db.select().from(compounds);
      assert.equal(rows.length, 3);
    });
  });
}
