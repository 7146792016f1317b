// Public spaces and facilities in the console: one registered at a time (checked like an import row, attributed,
// recorded), listed a page at a time by name prefix, type and status, edited with a version, audited, and kept to
// their community by row-level security. The import and the console share one schema per kind.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { auditLog, type Database, type DataScope, queryRows, testEngines } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { importBatch } from './import/import-service.ts';
import { createNamed, getNamed, listNamed, NAMED_EDITABLE, updateNamed } from './named-records.ts';
import { demoFixture } from './testing.ts';

const actor = { subject: 'operator-1', role: 'community_admin' };
const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const fieldsOf = (e: unknown) => Object.keys((e as AppError).fieldErrors ?? {});

for (const engine of testEngines()) {
  describe(`public spaces and facilities in the console [${engine}]`, () => {
    let database: Database;
    let d: { db: Database['db']; crypto: FieldCrypto };
    let demo: string;
    let scope: DataScope;

    before(async () => {
      ({ database, demo, scope, d } = await demoFixture(engine));
    });
    after(() => database.close());

    test('a facility registered from the console: bad fields are named, a duplicate name refused, the entry recorded', async () => {
      await assert.rejects(
        createNamed(
          d,
          scope,
          'facility',
          demo,
          { name: '1号楼烟感', type: 'smoke', status: 'normal', lng: 200 },
          actor,
        ),
        (e) => code(e) === 'INVALID_INPUT' && fieldsOf(e).includes('type') && fieldsOf(e).includes('lng'),
      );
      await assert.rejects(
        createNamed(d, scope, 'facility', demo, { name: '  ', type: 'security_fire', status: 'normal' }, actor),
        (e) => code(e) === 'INVALID_INPUT' && fieldsOf(e).includes('name'),
      );
      const made = await createNamed(
        d,
        scope,
        'facility',
        demo,
        { name: ' 1号楼烟感 ', type: 'security_fire', subtype: '烟感', status: 'normal', lng: 120.1, lat: 30.2 },
        actor,
      );
      assert.equal(made.version, 1);
      await assert.rejects(
        createNamed(d, scope, 'facility', demo, { name: '1号楼烟感', type: 'security_fire', status: 'fault' }, actor),
        (e) => code(e) === 'INVALID_INPUT' && fieldsOf(e).includes('name'),
      );
      const f = await getNamed(d, scope, 'facility', made.id);
      assert.equal(f.name, '1号楼烟感', 'trimmed');
      assert.deepEqual(f.fields, {
        name: '1号楼烟感',
        type: 'security_fire',
        subtype: '烟感',
        status: 'normal',
        lng: 120.1,
        lat: 30.2,
      });
      assert.equal(f.history.length, 1);
      assert.equal(f.history[0].action, 'create');
      assert.equal(f.history[0].actor, 'operator-1');
      const [row] = await queryRows<{ created_by: string }>(
        database.db,
        sql`select created_by from base.facilities where id = ${made.id}`,
      );
      assert.equal(row.created_by, 'operator-1');
      const audits = await database.db.select().from(auditLog).where(eq(auditLog.objectId, made.id));
      assert.deepEqual(
        audits.map((a) => a.action),
        ['base.facility.create'],
      );
    });

    test('lists page in name order by prefix, type and status; the import and the console see the same records', async () => {
      const imported = await importBatch(d, scope, {
        kind: 'facilities',
        communityId: demo,
        fileName: 'facilities.csv',
        data: Buffer.from(
          [
            '设施名称,设施类型,子类型,状态',
            '2号楼烟感,security_fire,烟感,fault',
            '健身路径,fitness_recreation,,normal',
          ].join('\n'),
        ),
        dryRun: false,
        actor,
      });
      assert.equal(imported.created, 2, JSON.stringify(imported));
      const first = await listNamed(d, scope, 'facility', { communityId: demo, limit: 2 });
      const rest = await listNamed(d, scope, 'facility', {
        communityId: demo,
        after: first.nextCursor ?? undefined,
      });
      const names = [...first.items, ...rest.items].map((x) => x.name);
      assert.deepEqual(names, ['1号楼烟感', '2号楼烟感', '健身路径']);
      const fire = await listNamed(d, scope, 'facility', { communityId: demo, type: 'security_fire' });
      assert.deepEqual(
        fire.items.map((x) => x.name),
        ['1号楼烟感', '2号楼烟感'],
      );
      const faulty = await listNamed(d, scope, 'facility', { communityId: demo, status: 'fault' });
      assert.deepEqual(
        faulty.items.map((x) => x.name),
        ['2号楼烟感'],
      );
      assert.deepEqual(
        (await listNamed(d, scope, 'facility', { communityId: demo, name: '2号' })).items.map((x) => x.name),
        ['2号楼烟感'],
      );
      // A name prefix is text, not a pattern.
      assert.equal((await listNamed(d, scope, 'facility', { communityId: demo, name: '%' })).items.length, 0);
      await assert.rejects(
        listNamed(d, scope, 'facility', { communityId: demo, after: 'garbage' }),
        (e) => code(e) === 'INVALID_INPUT',
      );
    });

    test('a space is edited with its version: the name stays, a bad value is named, the change is recorded', async () => {
      const made = await createNamed(
        d,
        scope,
        'space',
        demo,
        { name: '共享书房', useType: 'shared_study', area: 80, location: '3幢一楼' },
        actor,
      );
      assert.ok(!NAMED_EDITABLE.space.includes('name'));
      await assert.rejects(
        updateNamed(d, scope, 'space', made.id, 1, { name: '书房' }, actor),
        (e) => code(e) === 'INVALID_INPUT' && fieldsOf(e).includes('name'),
      );
      await assert.rejects(
        updateNamed(d, scope, 'space', made.id, 1, { area: -5 }, actor),
        (e) => code(e) === 'INVALID_INPUT' && fieldsOf(e).includes('area'),
      );
      const saved = await updateNamed(d, scope, 'space', made.id, 1, { area: 95.5, location: null }, actor);
      assert.equal(saved.version, 2);
      await assert.rejects(
        updateNamed(d, scope, 'space', made.id, 1, { area: 100 }, actor),
        (e) => code(e) === 'CONFLICT',
      );
      const unchanged = await updateNamed(d, scope, 'space', made.id, 2, { area: 95.5 }, actor);
      assert.equal(unchanged.version, 2, 'nothing changed, no new version');
      const s = await getNamed(d, scope, 'space', made.id);
      assert.deepEqual(s.fields, { name: '共享书房', useType: 'shared_study', area: 95.5 });
      assert.deepEqual(
        s.history.map((h) => [h.action, h.fields]),
        [
          ['create', ['area', 'location', 'name', 'useType']],
          ['update', ['location', 'area']],
        ],
      );
      const audits = await database.db.select().from(auditLog).where(eq(auditLog.objectId, made.id));
      assert.deepEqual(
        audits.map((a) => a.action),
        ['base.space.create', 'base.space.update'],
      );
    });

    test('another community scope sees none of these records', async () => {
      const other: DataScope = { kind: 'communities', ids: [randomUUID()] };
      const [one] = (await listNamed(d, scope, 'facility', { communityId: demo })).items;
      await assert.rejects(getNamed(d, other, 'facility', one.id), (e) => code(e) === 'NOT_FOUND');
      // Even asking for the demo community by id: row-level security admits only the scope's communities.
      assert.equal((await listNamed(d, other, 'facility', { communityId: demo })).items.length, 0);
      await assert.rejects(
        updateNamed(d, other, 'facility', one.id, one.version, { status: 'retired' }, actor),
        (e) => code(e) === 'NOT_FOUND',
      );
    });
  });
}
