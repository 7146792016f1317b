import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, type DataScope, occupancies, testEngines, users, vehicles } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { grantConsent } from './consent-service.ts';
import { myHousehold, withdrawMyConsent } from './household-service.ts';
import { createHouse } from './houses-service.ts';
import { createPerson } from './people-service.ts';
import { demoFixture, idFor } from './testing.ts';

const actor = { subject: 'tester', role: 'community_admin' };

for (const engine of testEngines()) {
  describe(`my household [${engine}]`, () => {
    let database: Database;
    let demo: string;
    let scope: DataScope;
    let d: { db: Database['db']; crypto: FieldCrypto };
    let resident: string;
    let neighbourConsent: string;
    let myConsent: string;

    before(async () => {
      ({ database, demo, scope, d } = await demoFixture(engine));
      [{ id: resident }] = await database.db.select({ id: users.id }).from(users).where(eq(users.username, 'resident'));
      // The demo resident's phone is 13800000001: her person record carries the same number.
      const me = await createPerson(
        d,
        scope,
        demo,
        {
          name: '王秀英',
          idType: 'id_card',
          idNumber: idFor('19490312', 21),
          phone: '13800000001',
          category: 'resident',
        },
        actor,
      );
      const daughter = await createPerson(
        d,
        scope,
        demo,
        { name: '李梅', idType: 'id_card', idNumber: idFor('19750601', 22), category: 'resident' },
        actor,
      );
      const neighbour = await createPerson(
        d,
        scope,
        demo,
        {
          name: '赵强',
          idType: 'id_card',
          idNumber: idFor('19800101', 23),
          phone: '13900000009',
          category: 'resident',
        },
        actor,
      );
      const home = await createHouse(
        d,
        scope,
        demo,
        { compound: '示范小区', building: '7', unit: '2', floor: '3', room: '302' },
        actor,
      );
      const next = await createHouse(
        d,
        scope,
        demo,
        { compound: '示范小区', building: '7', unit: '2', floor: '3', room: '303' },
        actor,
      );
      const occ = (personId: string, houseId: string, role: string) => ({
        communityId: demo,
        personId,
        houseId,
        role,
        createdBy: 't',
        updatedBy: 't',
      });
      await database.db
        .insert(occupancies)
        .values([
          occ(me.id, home.id, 'owner'),
          occ(daughter.id, home.id, 'family'),
          occ(neighbour.id, next.id, 'owner'),
        ]);
      await database.db.insert(vehicles).values([
        {
          communityId: demo,
          plate: '浙A12345',
          plateColour: 'blue',
          kind: 'resident',
          energy: 'fuel',
          ownerPersonId: daughter.id,
          createdBy: 't',
          updatedBy: 't',
        },
        {
          communityId: demo,
          plate: '浙A99999',
          plateColour: 'blue',
          kind: 'resident',
          energy: 'fuel',
          ownerPersonId: neighbour.id,
          createdBy: 't',
          updatedBy: 't',
        },
      ]);
      myConsent = (
        await grantConsent(
          d,
          scope,
          { personId: me.id, purpose: 'health_data_sharing', categories: ['health'], channel: 'paper' },
          actor,
        )
      ).id;
      neighbourConsent = (
        await grantConsent(
          d,
          scope,
          { personId: neighbour.id, purpose: 'health_data_sharing', categories: ['health'], channel: 'paper' },
          actor,
        )
      ).id;
    });
    after(() => database.close());

    test('a resident sees her home, who lives there, their vehicles and her consents — nothing of the neighbours', async () => {
      const h = await myHousehold(d, demo, resident);
      assert.equal(h.linked, true);
      assert.equal(h.homes.length, 1);
      const [home] = h.homes;
      assert.deepEqual(home.address, { compound: '示范小区', building: '7', unit: '2', floor: '3', room: '302' });
      assert.deepEqual(home.members.map((m) => [m.name, m.role, m.me]).sort(), [
        ['李梅', 'family', false],
        ['王秀英', 'owner', true],
      ]);
      assert.deepEqual(home.vehicles, [{ plate: '浙A12345', colour: 'blue' }]);
      assert.deepEqual(
        h.consents.map((c) => c.id),
        [myConsent],
      );
      assert.ok(!JSON.stringify(h).includes('13800000001'), 'no phone number leaves the server');
    });

    test('she withdraws her own consent; a neighbour’s is not hers to withdraw', async () => {
      await assert.rejects(
        withdrawMyConsent(d, demo, resident, neighbourConsent, { subject: resident }),
        (e) => e instanceof AppError && e.code === 'NOT_FOUND',
      );
      await withdrawMyConsent(d, demo, resident, myConsent, { subject: resident });
      const h = await myHousehold(d, demo, resident);
      assert.equal(h.consents[0].active, false);
    });

    test('a user with no matching person record gets an unlinked answer', async () => {
      const [{ id: gov }] = await database.db.select({ id: users.id }).from(users).where(eq(users.username, 'gov'));
      assert.deepEqual(await myHousehold(d, demo, gov), { linked: false, homes: [], consents: [] });
    });
  });
}
