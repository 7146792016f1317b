import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, occupancies, testEngines, users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { createHouse } from '../basedata/houses-service.ts';
import { createPerson } from '../basedata/people-service.ts';
import { demoFixture, idFor } from '../basedata/testing.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { previewAudience, sendBroadcast } from './broadcast.ts';
import { DevSinkChannel } from './channel.ts';
import { deliveriesOf, dispatchDue, inboxOf, type MessageDeps, markRead, quietHoursEnd, sendMessages } from './send.ts';
import { checkTemplate, renderTemplate, saveTemplate, type TemplateInput } from './templates.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const actor = { subject: 'tester', role: 'community_admin' };
const template: TemplateInput = {
  code: 'water.cut',
  name: '停水通知',
  titleZh: '停水通知',
  titleEn: 'Water cut',
  bodyZh: '{{building}}幢将于{{time}}停水，请提前储水。',
  bodyEn: 'Building {{building}}: no water from {{time}}. Please store some in advance.',
  variables: ['building', 'time'],
  channels: ['sms'],
};
/** 10:00 and 23:00 in Asia/Shanghai on a fixed day. */
const day = new Date('2027-03-10T02:00:00Z');
const night = new Date('2027-03-10T15:00:00Z');

for (const engine of testEngines()) {
  describe(`messages [${engine}]`, () => {
    let database: Database;
    let demo: string;
    let crypto: FieldCrypto;
    let resident: string;
    let operator: string;
    let sinks: { sms: DevSinkChannel; app_push: DevSinkChannel; provincial_push: DevSinkChannel };
    let clock = day;
    const deps = (): MessageDeps => ({ db: database.db, adapters: sinks, crypto, now: () => clock });

    before(async () => {
      const fx = await demoFixture(engine);
      ({ database, demo, crypto } = fx);
      sinks = {
        sms: new DevSinkChannel('sms'),
        app_push: new DevSinkChannel('app_push'),
        provincial_push: new DevSinkChannel('provincial_push'),
      };
      const id = async (u: string) =>
        (await database.db.select({ id: users.id }).from(users).where(eq(users.username, u)))[0].id;
      resident = await id('resident');
      operator = await id('operator');
      // The resident lives in 示范小区 7幢 (her phone is on the person record) and carries the tag 独居老人.
      const me = await createPerson(
        fx.d,
        fx.scope,
        demo,
        {
          name: '王秀英',
          idType: 'id_card',
          idNumber: idFor('19490312', 31),
          phone: '13800000001',
          category: 'resident',
          tags: ['独居老人'],
        } as Parameters<typeof createPerson>[3],
        actor,
      );
      const home = await createHouse(
        fx.d,
        fx.scope,
        demo,
        { compound: '示范小区', building: '7', unit: '1', floor: '2', room: '201' },
        actor,
      );
      await database.db.insert(occupancies).values({
        communityId: demo,
        personId: me.id,
        houseId: home.id,
        role: 'owner',
        createdBy: 't',
        updatedBy: 't',
      });
    });
    after(() => database.close());

    test('templates: declared variables only, used in both languages; rendering needs every variable', async () => {
      assert.throws(
        () => checkTemplate({ ...template, bodyEn: 'Building {{bldg}}' }),
        (e) => code(e) === 'INVALID_INPUT',
      );
      assert.throws(
        () => checkTemplate({ ...template, bodyEn: 'Building {{building}}: no water.' }),
        (e) => /must appear in both/.test((e as AppError).messageEn),
      );
      assert.throws(
        () => checkTemplate({ ...template, code: 'Bad Code' }),
        (e) => code(e) === 'INVALID_INPUT',
      );
      assert.throws(
        () => checkTemplate({ ...template, channels: ['fax'] }),
        (e) => code(e) === 'INVALID_INPUT',
      );
      const saved = await saveTemplate(database.db, demo, template, actor);
      assert.deepEqual(saved.channels, ['in_app', 'sms']);
      assert.equal((await saveTemplate(database.db, demo, template, actor)).version, 2);
      assert.throws(
        () => renderTemplate(saved, { building: '7' }),
        (e) => /缺少变量/.test((e as AppError).messageZh),
      );
      assert.throws(
        () => renderTemplate(saved, { building: '7', time: '明天', extra: 'x' }),
        (e) => code(e) === 'INVALID_INPUT',
      );
      assert.equal(
        renderTemplate(saved, { building: '7', time: '明天 9:00' }).bodyZh,
        '7幢将于明天 9:00停水，请提前储水。',
      );
    });

    test('a message reaches the inbox and the SMS dev sink; the delivery is recorded as sent, no outside call', async () => {
      clock = day;
      const r = await sendMessages(
        deps(),
        {
          communityId: demo,
          userIds: [resident],
          content: { titleZh: '测试', titleEn: 'Test', bodyZh: '你好', bodyEn: 'Hello' },
          channels: ['in_app', 'sms'],
          sender: 'tester',
        },
        actor,
      );
      assert.equal(r.messages, 1);
      assert.equal(sinks.sms.sent.length, 1);
      assert.equal(sinks.sms.sent[0].address, '13800000001');
      const ds = await deliveriesOf(database.db, demo, r.messageIds);
      assert.deepEqual(ds.map((x) => `${x.channel}:${x.status}`).sort(), ['in_app:delivered', 'sms:sent']);
      const box = await inboxOf(database.db, demo, resident);
      assert.equal(box.items[0].bodyEn, 'Hello');
      assert.equal(box.unread >= 1, true);
      await markRead(database.db, demo, operator, [box.items[0].id]);
      assert.equal((await inboxOf(database.db, demo, resident)).items[0].readAt, null);
      await markRead(database.db, demo, resident, [box.items[0].id]);
      assert.ok((await inboxOf(database.db, demo, resident)).items[0].readAt);
    });

    test('quiet hours defer SMS and push to 07:00 (Asia/Shanghai); urgent ones go at once', async () => {
      assert.equal(
        quietHoursEnd(night, { quietFrom: 1320, quietUntil: 420 })?.toISOString(),
        '2027-03-10T23:00:00.000Z',
      );
      assert.equal(quietHoursEnd(day, { quietFrom: 1320, quietUntil: 420 }), null);
      clock = night;
      const before = sinks.app_push.sent.length;
      const r = await sendMessages(deps(), {
        communityId: demo,
        userIds: [operator],
        content: { titleZh: '夜间', titleEn: 'Night', bodyZh: '明早再发', bodyEn: 'Tomorrow' },
        channels: ['app_push'],
        sender: 'tester',
      });
      const [push] = (await deliveriesOf(database.db, demo, r.messageIds)).filter((x) => x.channel === 'app_push');
      assert.equal(push.status, 'deferred');
      assert.equal(push.dueAt.toISOString(), '2027-03-10T23:00:00.000Z');
      assert.equal(sinks.app_push.sent.length, before);
      const u = await sendMessages(deps(), {
        communityId: demo,
        userIds: [operator],
        content: { titleZh: '紧急', titleEn: 'Urgent', bodyZh: '燃气泄漏', bodyEn: 'Gas leak' },
        channels: ['app_push'],
        sender: 'tester',
        urgent: true,
      });
      const [now] = (await deliveriesOf(database.db, demo, u.messageIds)).filter((x) => x.channel === 'app_push');
      assert.equal(now.status, 'sent');
      assert.equal(sinks.app_push.sent.length, before + 1);
      // At 07:01 the polled dispatcher sends the deferred one.
      clock = new Date('2027-03-10T23:01:00Z');
      assert.equal((await dispatchDue(deps())).sent, 1);
      const [later] = (await deliveriesOf(database.db, demo, r.messageIds)).filter((x) => x.channel === 'app_push');
      assert.equal(later.status, 'sent');
    });

    test('rate limits: the sixth SMS to one person within an hour is held back', async () => {
      clock = day;
      const statuses: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await sendMessages(deps(), {
          communityId: demo,
          userIds: [operator],
          content: { titleZh: `第${i}条`, titleEn: `No ${i}`, bodyZh: '内容', bodyEn: 'Text' },
          channels: ['sms'],
          sender: 'tester',
        });
        const [sms] = (await deliveriesOf(database.db, demo, r.messageIds)).filter((x) => x.channel === 'sms');
        statuses.push(sms.status);
      }
      assert.deepEqual(statuses, ['sent', 'sent', 'sent', 'sent', 'sent', 'rate_limited']);
      assert.deepEqual(await dispatchDue(deps()), { sent: 0, failed: 0 });
    });

    test('broadcasts: audience preview and count first; a changed count is refused; compound, building and tag', async () => {
      clock = day;
      const all = await previewAudience(database.db, demo, { kind: 'community' });
      assert.ok(all.count >= 4);
      assert.ok(all.sample.includes('王秀英'));
      const building = await previewAudience(database.db, demo, {
        kind: 'building',
        compound: '示范小区',
        buildings: ['7'],
      });
      assert.deepEqual([building.count, building.households, building.sample], [1, 1, ['王秀英']]);
      assert.equal(
        (await previewAudience(database.db, demo, { kind: 'building', compound: '示范小区', buildings: ['8', '9'] }))
          .count,
        0,
      );
      assert.equal((await previewAudience(database.db, demo, { kind: 'tag', tag: '独居老人' })).count, 1);
      assert.equal((await previewAudience(database.db, demo, { kind: 'compound', compound: '示范小区' })).count, 1);
      const req = {
        communityId: demo,
        audience: { kind: 'building' as const, compound: '示范小区', buildings: ['7', '8'] },
        template: { code: 'water.cut', vars: { building: '7', time: '11月29日 9:00' } },
        channels: ['in_app' as const, 'sms' as const],
      };
      await assert.rejects(sendBroadcast(deps(), { ...req, expectedCount: 2 }, actor), (e) => code(e) === 'CONFLICT');
      await assert.rejects(
        sendBroadcast(
          deps(),
          { ...req, template: { code: 'water.cut', vars: { building: '7' } }, expectedCount: 1 },
          actor,
        ),
        (e) => code(e) === 'INVALID_INPUT',
      );
      const sent = await sendBroadcast(deps(), { ...req, expectedCount: 1 }, actor);
      assert.equal(sent.recipients, 1);
      const box = await inboxOf(database.db, demo, resident);
      assert.equal(box.items[0].bodyZh, '7幢将于11月29日 9:00停水，请提前储水。');
    });
  });
}
