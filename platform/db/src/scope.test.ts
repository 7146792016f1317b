import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase, type Database, testEngines, transactionWith, withScope } from './index.ts';
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

    // The scoped transaction of PostgreSQL sends BEGIN, the scope and the first statement in one write on a reserved
    // connection (transactionWith); PGlite awaits each. Both must keep a transaction's promises.
    test('a failure inside the scope rolls back everything it wrote, and the connection is usable after', async () => {
      const boom = new Error('boom');
      for (let i = 0; i < 15; i++) {
        // More failures than the pool has connections: each connection goes back clean.
        await assert.rejects(
          withScope(database.db, { kind: 'communities', ids: [a] }, async (tx) => {
            await tx.insert(compounds).values({ communityId: a, code: `rolled-${i}`, name: 'x' });
            throw boom;
          }),
          boom,
        );
      }
      const left = await database.db.select().from(compounds).where(eq(compounds.name, 'x'));
      assert.equal(left.length, 0);
      const after = await withScope(database.db, { kind: 'communities', ids: [b] }, (tx) =>
        tx.select().from(compounds),
      );
      assert.deepEqual(
        after.map((r) => r.code),
        ['b1'],
      );
    });

    test('a nested transaction inside the scope is a savepoint: its failure undoes only its part', async () => {
      const codes = await withScope(database.db, { kind: 'communities', ids: [a] }, async (tx) => {
        await tx.insert(compounds).values({ communityId: a, code: 'kept', name: 'kept' });
        await assert.rejects(
          tx.transaction(async (inner) => {
            await inner.insert(compounds).values({ communityId: a, code: 'undone', name: 'undone' });
            throw new Error('inner');
          }),
          /inner/,
        );
        await tx.transaction(async (inner) => {
          await inner.insert(compounds).values({ communityId: a, code: 'kept2', name: 'kept2' });
        });
        // Still under A's scope after the savepoints: B stays invisible.
        return (await tx.select().from(compounds)).map((r) => r.code).sort();
      });
      assert.deepEqual(codes, ['a1', 'a2', 'kept', 'kept2']);
      await database.db.delete(compounds).where(eq(compounds.communityId, a));
      await database.db.insert(compounds).values([
        { communityId: a, code: 'a1', name: 'A 小区 1' },
        { communityId: a, code: 'a2', name: 'A 小区 2' },
      ]);
    });

    test('scopes and transactions nest several levels deep inside a scope', async () => {
      // A service calling a service: withScope inside withScope inside a savepoint, each level with its own savepoint.
      const codes = await withScope(database.db, { kind: 'communities', ids: [a] }, (tx) =>
        withScope(tx, { kind: 'communities', ids: [a] }, async (t2) => {
          await t2.transaction(async (t3) => {
            await withScope(t3, { kind: 'communities', ids: [a] }, (t4) =>
              t4.insert(compounds).values({ communityId: a, code: 'deep', name: 'deep' }),
            );
            await assert.rejects(
              t3.transaction(async (t4) => {
                await t4.insert(compounds).values({ communityId: a, code: 'deep-undone', name: 'x' });
                throw new Error('inner');
              }),
              /inner/,
            );
          });
          return (await t2.select().from(compounds)).map((r) => r.code).sort();
        }),
      );
      assert.deepEqual(codes, ['a1', 'a2', 'deep']);
      await database.db.delete(compounds).where(eq(compounds.code, 'deep'));
    });

    test('statements issued together inside the scope all run under it, in order', async () => {
      const [x, y, z] = await withScope(database.db, { kind: 'communities', ids: [a] }, (tx) =>
        Promise.all([
          tx.select().from(compounds),
          tx.select().from(compounds).where(eq(compounds.communityId, b)),
          tx.select().from(compounds),
        ]),
      );
      assert.equal(x.length, 2);
      assert.equal(y.length, 0);
      assert.equal(z.length, 2);
    });

    test('a scope whose setting fails reports that failure, not a later one', async () => {
      await assert.rejects(
        transactionWith(database.db, sql`select 1 / 0`, (tx) => tx.select().from(compounds)),
        (err: Error) => /division by zero/.test(String((err.cause as Error | undefined)?.message ?? err.message)),
      );
    });
  });
}
