import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type Database, testEngines } from '@shequ/db';
import { FieldCrypto } from '../crypto/field-crypto.ts';
import { parseKeyring } from '../crypto/keyring.ts';
import { listCompounds, scopeFor } from '../tenancy/regions-service.ts';
import { seedDemo } from '../tenancy/seed.ts';
import { hasPermission, type RoleGrant, roleNames, roles, shellsFor } from './permissions.ts';
import { assertCanGrant, createUser } from './user-service.ts';
import { grantsOf } from './users-repo.ts';

const matrix = JSON.parse(readFileSync(new URL('./permissions.json', import.meta.url), 'utf8')) as {
  roles: Record<string, { shells: string[]; permissions: string[]; scope: string }>;
};

test('the matrix names every role of the architecture, each with shells and a scope', () => {
  for (const r of [
    'resident',
    'property_staff',
    'grid_worker',
    'community_admin',
    'service_provider',
    'plugin_developer',
    'gov_street',
    'gov_district',
    'gov_city',
    'platform_admin',
    'market_reviewer',
  ]) {
    assert.ok(matrix.roles[r], r);
    assert.ok(matrix.roles[r].shells.length > 0, `${r} has a shell`);
  }
  assert.deepEqual(roleNames.sort(), Object.keys(matrix.roles).sort());
});

test('shells and permissions follow the matrix file', () => {
  for (const [name, def] of Object.entries(matrix.roles)) {
    const grant = {
      role: name,
      regionId: null,
      regionPath: null,
      regionName: null,
      regionCode: null,
      regionLevel: null,
    } as RoleGrant;
    assert.deepEqual(new Set(shellsFor([grant])), new Set(def.shells), name);
    for (const p of def.permissions) assert.ok(hasPermission([grant], p), `${name} has ${p}`);
    assert.equal(hasPermission([grant], 'audit.export'), def.permissions.includes('audit.export'));
  }
  assert.ok(!roles.resident.shells.includes('console'));
});

test('a regional grant covers what lies under its region only', () => {
  const street: RoleGrant = {
    role: 'gov_street',
    regionId: 's',
    regionPath: '/p/c/d/s/',
    regionName: null,
    regionCode: null,
    regionLevel: 'street',
  };
  assert.ok(hasPermission([street], 'compounds.read', '/p/c/d/s/community/'));
  assert.ok(!hasPermission([street], 'compounds.read', '/p/c/d/other/community/'));
});

for (const engine of testEngines()) {
  describe(`jurisdiction [${engine}]`, () => {
    let database: Database;
    let crypto: FieldCrypto;
    before(async () => {
      database = await createTestDatabase(engine);
      crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
      await seedDemo(database.db, crypto);
    });
    after(() => database.close());

    test('a street official sees the compounds of communities in the street; a resident of another community none of them', async () => {
      const { db } = database;
      const gov = await createUser(
        db,
        crypto,
        { username: 'st2', displayName: 'x', roles: [{ role: 'gov_street', regionCode: '330106001' }] },
        { subject: 't' },
      );
      const scope = await scopeFor(db, await grantsOf(db, gov.id));
      assert.equal(scope.kind, 'communities');
      const names = (await listCompounds(db, scope)).map((c) => c.name).sort();
      assert.deepEqual(names, ['和园', '示范小区'].sort());
      const platformScope = await scopeFor(db, [
        {
          role: 'platform_admin',
          regionId: null,
          regionPath: null,
          regionName: null,
          regionCode: null,
          regionLevel: null,
        },
      ]);
      assert.equal(platformScope.kind, 'all');
    });

    test('a community admin cannot grant platform or street roles, nor roles elsewhere', async () => {
      const { db } = database;
      const op = await grantsOf(
        db,
        (
          await createUser(
            db,
            crypto,
            { username: 'op2', displayName: 'x', roles: [{ role: 'community_admin', regionCode: 'demo' }] },
            { subject: 't' },
          )
        ).id,
      );
      await assertCanGrant(db, op, [{ role: 'resident', regionCode: 'demo' }]);
      await assert.rejects(assertCanGrant(db, op, [{ role: 'platform_admin' }]), /not allowed/);
      await assert.rejects(assertCanGrant(db, op, [{ role: 'gov_street', regionCode: '330106001' }]), /not allowed/);
    });

    test('bad user input names the fields', async () => {
      await assert.rejects(
        createUser(
          database.db,
          crypto,
          { username: 'X', displayName: 'x', phone: '123', password: 'short', roles: [{ role: 'nope' }] },
          { subject: 't' },
        ),
        (e: Error & { fieldErrors?: Record<string, string[]> }) =>
          ['username', 'phone', 'password', 'roles.0.role'].every((f) => e.fieldErrors?.[f]?.length),
      );
    });
  });
}

test('marketplace: reviewers and publishers are distinct roles; operators install, residents do neither', () => {
  const has = (role: string, p: string) => matrix.roles[role].permissions.includes(p);
  assert.ok(has('service_provider', 'market.publish') && !has('service_provider', 'market.review'));
  assert.ok(has('market_reviewer', 'market.review') && !has('market_reviewer', 'market.publish'));
  assert.ok(has('community_admin', 'market.operate') && !has('community_admin', 'market.review'));
  assert.ok(!has('resident', 'market.operate') && !has('resident', 'market.browse'));
});
