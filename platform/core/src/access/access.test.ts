import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MemoryBus } from '@shequ/bus';
import {
  type Database,
  devices,
  outbox,
  parkingSessions,
  passHealth,
  passRecords,
  people,
  products,
  queryRows,
  testEngines,
  vehicles,
  visitorPasses,
  withScope,
} from '@shequ/db';
import { checkValue, standardThingModels } from '@shequ/schemas';
import { eq, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { demoFixture } from '../basedata/testing.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { healthMinGroup } from '../small-groups.ts';
import { accessZone, parkingFee } from './fees.ts';
import { accessKindOf, followGatePasses, gateKindOf, passFromDeviceEvent } from './follow.ts';
import { type DeviceEvent, type GateKind, recordGatePass } from './gate.ts';
import { listParkingSessions, listPassRecords, settleParkingPayment } from './records.ts';
import {
  deleteParkingSpace,
  getFeeRule,
  linkPersonRef,
  listParkingSpaces,
  saveFeeRule,
  saveParkingSpace,
} from './settings.ts';
import { trafficStats } from './stats.ts';
import { type Inviter, inviteVisitor, myInvitations, revokeInvitation, visitorToken } from './visitors.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const resident = (n: number): Inviter => ({
  subject: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  userId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
});
const staff = { subject: 'staff-1', role: 'property_staff' };
const h = 3_600_000;
const peopleGate = { productKey: 'pgate', deviceName: 'east-1', deviceId: randomUUID() };
const carGate = { productKey: 'vgate', deviceName: 'car-1', deviceId: randomUUID() };
let seq = 0;
const passEvent = (gate: typeof peopleGate, value: Record<string, unknown>, time = Date.now()): DeviceEvent => ({
  ...gate,
  messageId: `m${++seq}`,
  event: 'pass',
  value,
  time,
});

describe('parking fee', () => {
  const rule = { freeMinutes: 30, perHourFen: 500, dailyCapFen: 3000 };
  const at = (iso: string) => new Date(iso);
  test('free minutes, then per started hour', () => {
    assert.equal(parkingFee(rule, at('2026-11-28T10:00:00+08:00'), at('2026-11-28T10:30:00+08:00')), 0);
    assert.equal(parkingFee(rule, at('2026-11-28T10:00:00+08:00'), at('2026-11-28T10:31:00+08:00')), 500);
    assert.equal(parkingFee(rule, at('2026-11-28T10:00:00+08:00'), at('2026-11-28T12:00:01+08:00')), 1500);
  });
  test('capped per local day, split at Asia/Shanghai midnight', () => {
    // 20:00 → next day 22:00: 4 h on day one (2000), 22 h on day two (capped 3000).
    assert.equal(parkingFee(rule, at('2026-11-28T20:00:00+08:00'), at('2026-11-29T22:00:00+08:00')), 5000);
    // 23:30 → 00:30 local is two days of one started hour each, though UTC sees one day.
    assert.equal(parkingFee(rule, at('2026-11-28T23:30:00+08:00'), at('2026-11-29T00:30:00+08:00')), 1000);
  });
});

test('the people gate model bounds the pass temperature to 30–45 °C, so the ingest refuses others', () => {
  const pass = standardThingModels()['people-gate'].events.find((e) => e.identifier === 'pass');
  assert.ok(pass);
  const check = (temperature: unknown) =>
    checkValue({ type: 'struct', specs: pass.outputData }, { direction: 0, temperature }, 'value').map((e) => e.code);
  assert.deepEqual(check(37.8), []);
  assert.deepEqual(check(30), []);
  assert.ok(check(45.01).length > 0, 'above 45 °C is refused');
  assert.ok(check(29.9).length > 0, 'below 30 °C is refused');
  assert.deepEqual(checkValue({ type: 'struct', specs: pass.outputData }, { direction: 0 }, 'value'), []);
});

test('gate kind comes from the thing model', async () => {
  const { readFile } = await import('node:fs/promises');
  const model = async (f: string) =>
    JSON.parse(await readFile(new URL(`../../../../schemas/iot/models/${f}`, import.meta.url), 'utf8'));
  assert.equal(gateKindOf(await model('people-gate.json')), 'people');
  assert.equal(gateKindOf(await model('vehicle-gate.json')), 'vehicle');
  assert.equal(gateKindOf({ events: [] }), null);
  assert.equal(accessKindOf(await model('people-gate.json')), 'people');
  assert.equal(accessKindOf(await model('people-counter.json')), 'counter');
  assert.equal(accessKindOf(await model('parking-space-sensor.json')), 'space');
  assert.equal(gateKindOf(await model('people-counter.json')), null, 'a counter opens no gate');
  assert.equal(accessKindOf(await model('smoke-detector.json')), null);
});

for (const engine of testEngines()) {
  describe(`access [${engine}]`, () => {
    let database: Database;
    let crypto: FieldCrypto;
    let demo: string;
    const d = () => ({ db: database.db, crypto });
    const gatePass = (kind: GateKind, e: DeviceEvent) => recordGatePass(d(), demo, kind, e);
    const passRow = async (id: string) =>
      withScope(database.db, { kind: 'communities', ids: [demo] }, async (tx) => {
        const [r] = await tx.select().from(passRecords).where(eq(passRecords.id, id));
        return r;
      });
    const commands = async () =>
      (await database.db.select().from(outbox)).filter((o) => o.subject.endsWith('.command')).length;

    before(async () => {
      ({ database, demo, crypto } = await demoFixture(engine));
      await database.db.insert(vehicles).values({
        communityId: demo,
        plate: '浙A12345',
        plateColour: 'blue',
        kind: 'resident',
        energy: 'fuel',
        createdBy: 't',
        updatedBy: 't',
      });
    });
    after(() => database.close());

    test('invite → QR token opens the people gate once; a second entry is used up', async () => {
      const now = Date.now();
      const p = await inviteVisitor(d(), demo, resident(1), {
        visitorName: '王五',
        visitorPhone: '13800138000',
        validFrom: new Date(now - h),
        validUntil: new Date(now + h),
      });
      assert.match(p.token, /^SQV1\./);
      assert.ok(p.token.length <= 64, 'fits the gate personRef');
      assert.equal(p.visitorPhoneMasked, '138****8000');
      assert.match(p.code, /^\d{8}$/);
      const before = await commands();
      const r = await gatePass('people', passEvent(peopleGate, { personRef: p.token, direction: 0, mode: 2 }));
      assert.deepEqual([r.subjectKind, r.admitted, r.refusal], ['visitor', true, null]);
      assert.equal(await commands(), before + 1, 'the gate is told to open');
      const [cmd] = (await database.db.select().from(outbox)).filter((o) => o.subject.endsWith('.command')).slice(-1);
      assert.equal((cmd.data as { service: string }).service, 'open');
      assert.equal(cmd.subject, `shequ.iot.${demo}.pgate.${peopleGate.deviceId}.command`);
      const again = await gatePass('people', passEvent(peopleGate, { personRef: p.token, direction: 0, mode: 2 }));
      assert.deepEqual([again.admitted, again.refusal], [false, 'used_up']);
      assert.equal(await commands(), before + 1, 'no second open');
      assert.match((await passRow(again.id)).refusal ?? '', /used_up/);
      // Leaving is allowed.
      const out = await gatePass('people', passEvent(peopleGate, { personRef: p.token, direction: 1, mode: 2 }));
      assert.equal(out.admitted, true);
      const mine = await myInvitations(d(), demo, resident(1).userId);
      assert.equal(mine[0].status, 'used_up');
      assert.equal(mine[0].token, null);
    });

    test('an expired code is refused with its reason and changes nothing on the pass', async () => {
      const now = Date.now();
      const p = await inviteVisitor(d(), demo, resident(2), {
        visitorName: '赵六',
        validFrom: new Date(now - h),
        validUntil: new Date(now + h),
        maxEntries: 3,
      });
      // The code is scanned two hours later, past its window.
      const before = await commands();
      const r = await gatePass(
        'people',
        passEvent(peopleGate, { personRef: p.code, direction: 0, mode: 3 }, now + 2 * h),
      );
      assert.deepEqual([r.admitted, r.refusal], [false, 'expired']);
      assert.equal(await commands(), before);
      const [row] = await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
        tx.select().from(visitorPasses).where(eq(visitorPasses.id, p.id)),
      );
      assert.equal(row.entries, 0);
      assert.equal(row.status, 'active');
      const refused = await listPassRecords(database.db, demo, { admitted: false });
      assert.ok(refused.items.some((i) => i.id === r.id && i.visitorName === '赵六' && /过期/.test(i.refusal ?? '')));
    });

    test('a forged token and a revoked pass are refused', async () => {
      const now = Date.now();
      const p = await inviteVisitor(d(), demo, resident(3), {
        visitorName: '钱七',
        validFrom: new Date(now - h),
        validUntil: new Date(now + h),
      });
      const forged = `${p.token.slice(0, -4)}AAAA`;
      const f = await gatePass('people', passEvent(peopleGate, { personRef: forged, direction: 0, mode: 2 }));
      assert.equal(f.refusal, 'invalid');
      await assert.rejects(revokeInvitation(d(), demo, p.id, resident(4)), (e) => code(e) === 'FORBIDDEN');
      await revokeInvitation(d(), demo, p.id, resident(3));
      const r = await gatePass('people', passEvent(peopleGate, { personRef: p.token, direction: 0, mode: 2 }));
      assert.equal(r.refusal, 'revoked');
      await assert.rejects(revokeInvitation(d(), demo, p.id, resident(3)), (e) => code(e) === 'CONFLICT');
    });

    test('bad invitations are refused and store nothing', async () => {
      const now = Date.now();
      const count = async () => (await myInvitations(d(), demo, resident(5).userId)).length;
      const base = { visitorName: '孙八' };
      await assert.rejects(
        inviteVisitor(d(), demo, resident(5), {
          ...base,
          validFrom: new Date(now - 3 * h),
          validUntil: new Date(now - h),
        }),
        (e) => code(e) === 'INVALID_INPUT',
      );
      await assert.rejects(
        inviteVisitor(d(), demo, resident(5), {
          ...base,
          validFrom: new Date(now),
          validUntil: new Date(now + 8 * 24 * h),
        }),
        (e) => code(e) === 'INVALID_INPUT',
      );
      await assert.rejects(
        inviteVisitor(d(), demo, resident(5), {
          ...base,
          visitorPhone: '12345',
          validFrom: new Date(now),
          validUntil: new Date(now + h),
        }),
        (e) => code(e) === 'INVALID_INPUT',
      );
      assert.equal(await count(), 0);
    });

    test('a redelivered event records nothing twice; tokens are never stored', async () => {
      const e = passEvent(peopleGate, { personRef: 'face-unknown', direction: 0, mode: 0 });
      const a = await gatePass('people', e);
      const b = await gatePass('people', e);
      assert.equal(a.subjectKind, 'unknown');
      assert.equal(b.duplicate, true);
      assert.equal(b.id, a.id);
      const p = await inviteVisitor(d(), demo, resident(6), {
        visitorName: 'x',
        validFrom: new Date(),
        validUntil: new Date(Date.now() + h),
      });
      const rows = await database.db.execute(sql`select * from access.visitor_passes where id = ${p.id}`);
      assert.ok(!JSON.stringify(rows).includes(p.token));
      assert.equal(visitorToken(crypto, p.id), p.token);
    });

    test('vehicles: resident linked by plate; a temporary one parks, pays by the rule, and the seam settles it', async () => {
      await saveFeeRule(database.db, demo, { freeMinutes: 15, perHourFen: 600, dailyCapFen: 4000 }, staff);
      const t0 = Date.now() - 3 * h;
      const r = await gatePass('vehicle', passEvent(carGate, { plate: { number: '浙a 12345' }, direction: 0 }, t0));
      assert.equal(r.subjectKind, 'vehicle');
      const inRec = await gatePass('vehicle', passEvent(carGate, { plate: { number: '沪B99999' }, direction: 0 }, t0));
      assert.equal(inRec.subjectKind, 'unknown');
      // A second entry without an exit keeps one open session (partial unique index).
      await gatePass('vehicle', passEvent(carGate, { plate: { number: '沪B99999' }, direction: 0 }, t0 + 60_000));
      const [open] = await listParkingSessions(database.db, demo, { open: true });
      assert.deepEqual(
        [open.plate, open.exitedAt, open.parkingMinutes],
        ['沪B99999', null, null],
        'inside: no duration yet',
      );
      assert.equal((await listParkingSessions(database.db, demo, { open: true })).length, 1);
      // the day is the community's (Asia/Shanghai), not UTC's: between 16:00 and 24:00 UTC they differ
      const today = DateTime.now().setZone(accessZone).toISODate() as string;
      const stats = await trafficStats(database.db, demo, today);
      assert.ok(stats.vehiclesInside >= 2);
      await gatePass(
        'vehicle',
        passEvent(carGate, { plate: { number: '沪B99999' }, direction: 1 }, t0 + 2 * h + 60_000),
      );
      const [s] = await listParkingSessions(database.db, demo);
      assert.equal(s.plate, '沪B99999');
      // 7.2.3.4.3 temporary vehicle: plate and parking duration, from the first entry to the exit.
      assert.equal(s.parkingMinutes, 2 * 60 + 1);
      assert.equal(s.feeFen, 3 * 600, 'two hours and a minute: three started hours');
      assert.equal(s.paymentStatus, 'pending');
      const settled = await settleParkingPayment(database.db, demo, s.id, 'paid', staff);
      assert.equal(settled.paymentStatus, 'paid');
      await assert.rejects(
        settleParkingPayment(database.db, demo, s.id, 'waived', staff),
        (e) => code(e) === 'CONFLICT',
      );
      // Resident cars open no session.
      const sessions = await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
        tx.select().from(parkingSessions).where(eq(parkingSessions.plate, '浙A12345')),
      );
      assert.equal(sessions.length, 0);
    });

    test('an exit delivered before its entry leaves no session open', async () => {
      const t0 = Date.now() - 2 * h;
      await gatePass('vehicle', passEvent(carGate, { plate: { number: '苏E00001' }, direction: 1 }, t0 + h));
      await gatePass('vehicle', passEvent(carGate, { plate: { number: '苏E00001' }, direction: 0 }, t0));
      const open = await listParkingSessions(database.db, demo, { open: true });
      assert.ok(!open.some((s) => s.plate === '苏E00001'));
    });

    test('a face ref linked to a person makes her passes a person’s', async () => {
      const idNumber = '330106199001010011';
      const [person] = await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
        tx
          .insert(people)
          .values({
            communityId: demo,
            name: '张三',
            idType: 'resident_id',
            idNumberCipher: crypto.encrypt(idNumber, 'base.people.id_number'),
            idNumberIndex: crypto.blindIndex('base.people.id_number', idNumber),
            idNumberMasked: '3301**********0011',
            category: 'registered',
            createdBy: 't',
            updatedBy: 't',
          })
          .returning({ id: people.id }),
      );
      await linkPersonRef(database.db, demo, 'face-0042', person.id, staff);
      const r = await gatePass('people', passEvent(peopleGate, { personRef: 'face-0042', direction: 0, mode: 0 }));
      assert.equal(r.subjectKind, 'person');
      assert.equal((await passRow(r.id)).personId, person.id);
    });

    test('防疫信息: a gate temperature is kept apart, shown with the health permission, fevers counted per day', async () => {
      // A day of its own, so that the other tests' passes (today) do not count here.
      const day = '2026-03-02';
      const at = (min: number) =>
        DateTime.fromISO(`${day}T09:00`, { zone: accessZone }).plus({ minutes: min }).toMillis();
      const gate = { productKey: 'pgate', deviceName: 'health-1', deviceId: randomUUID() };
      const pass = (value: Record<string, unknown>, min: number) => gatePass('people', passEvent(gate, value, at(min)));
      const hot = await pass({ personRef: 'hf-unknown', direction: 0, mode: 0, temperature: 37.8 }, 0);
      const none = await pass({ personRef: 'hf-unknown', direction: 1, mode: 0 }, 1);
      const bogus = await pass({ direction: 0, mode: 1, temperature: 46 }, 2);
      const again = await pass({ direction: 0, mode: 1, temperature: '36.4' }, 3);
      assert.ok(hot.admitted && none.admitted && bogus.admitted, 'every event records its pass');
      const stored = await queryRows<{ id: string; t: string }>(
        database.db,
        sql`select pass_record_id as id, temperature::text as t from access.pass_health
             where pass_record_id in (${hot.id}, ${none.id}, ${bogus.id}, ${again.id}) order by temperature`,
      );
      assert.deepEqual(
        stored.map((r) => [r.id, Number(r.t)]),
        [
          [again.id, 36.4],
          [hot.id, 37.8],
        ],
        'no reading for a pass without one or out of bounds',
      );

      // The community admin (health permission): temperature and fever flag on each pass.
      const admin = await listPassRecords(database.db, demo, { deviceId: gate.deviceId }, {}, { health: true });
      assert.equal(admin.healthWithheld, false);
      const seen = new Map(admin.items.map((i) => [i.id, [i.temperature, i.fever]]));
      assert.deepEqual(seen.get(hot.id), [37.8, true]);
      assert.deepEqual(seen.get(again.id), [36.4, false]);
      assert.deepEqual(seen.get(none.id), [null, null]);
      assert.deepEqual(seen.get(bogus.id), [null, null]);
      // Property staff: the same passes, no health field at all, and the page says so.
      const plain = await listPassRecords(database.db, demo, { deviceId: gate.deviceId });
      assert.equal(plain.healthWithheld, true);
      assert.deepEqual(plain.items.map((i) => i.id).sort(), [...seen.keys()].sort());
      for (const i of plain.items) assert.ok(!('temperature' in i) && !('fever' in i), 'no health field');

      // Two measured passes, both unresolved: one person, a group too small for a reader without the permission.
      const exact = await trafficStats(database.db, demo, day);
      assert.deepEqual(exact.health, { measured: 2, people: 1, fever: 1, minGroup: null, withheld: false });
      const guarded = await trafficStats(database.db, demo, day, { minGroup: healthMinGroup });
      assert.deepEqual(guarded.health, { measured: 2, people: 1, fever: null, minGroup: 5, withheld: true });

      // Four residents measured: five people, the fever count (≥ 37.3, the threshold itself included) is shown.
      const temps = [36.5, 37.3, 36.9, 36.6];
      for (const [n, t] of temps.entries()) {
        const idNumber = `33010619900101${String(100 + n).padStart(4, '0')}`;
        const [p] = await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
          tx
            .insert(people)
            .values({
              communityId: demo,
              name: `测温${n}`,
              idType: 'resident_id',
              idNumberCipher: crypto.encrypt(idNumber, 'base.people.id_number'),
              idNumberIndex: crypto.blindIndex('base.people.id_number', idNumber),
              idNumberMasked: '3301**********0000',
              category: 'registered',
              createdBy: 't',
              updatedBy: 't',
            })
            .returning({ id: people.id }),
        );
        await linkPersonRef(database.db, demo, `hf-${n}`, p.id, staff);
        await pass({ personRef: `hf-${n}`, direction: 0, mode: 0, temperature: t }, 10 + n);
      }
      const shown = await trafficStats(database.db, demo, day, { minGroup: healthMinGroup });
      assert.deepEqual(shown.health, { measured: 6, people: 5, fever: 2, minGroup: 5, withheld: false });

      // Append-only and community-scoped like the pass records.
      const scoped = (ids: string[]) => ({ kind: 'communities' as const, ids });
      await assert.rejects(
        withScope(database.db, scoped([demo]), (tx) =>
          tx.update(passHealth).set({ temperature: 36 }).where(eq(passHealth.passRecordId, hot.id)),
        ),
      );
      const other = await withScope(database.db, scoped(['00000000-0000-4000-8000-0000000000aa']), (tx) =>
        tx.select().from(passHealth),
      );
      assert.deepEqual(other, []);
    });

    test('another community sees none of these rows (row-level security)', async () => {
      const other = { kind: 'communities' as const, ids: ['00000000-0000-4000-8000-0000000000aa'] };
      const seen = await withScope(database.db, other, async (tx) => ({
        passes: (await tx.select({ id: passRecords.id }).from(passRecords)).length,
        visitors: (await tx.select({ id: visitorPasses.id }).from(visitorPasses)).length,
        sessions: (await tx.select({ id: parkingSessions.id }).from(parkingSessions)).length,
      }));
      assert.deepEqual(seen, { passes: 0, visitors: 0, sessions: 0 });
      const mine = await withScope(
        database.db,
        { kind: 'communities', ids: [demo] },
        async (tx) => (await tx.select({ id: passRecords.id }).from(passRecords)).length,
      );
      assert.ok(mine > 0);
    });

    test('pass records are append-only', async () => {
      const r = await gatePass('people', passEvent(peopleGate, { personRef: 'c1', direction: 0, mode: 1 }));
      await assert.rejects(
        withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
          tx.update(passRecords).set({ admitted: false, refusal: 'x' }).where(eq(passRecords.id, r.id)),
        ),
      );
      await assert.rejects(
        withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
          tx.delete(passRecords).where(eq(passRecords.id, r.id)),
        ),
      );
    });

    test('pass records page by keyset without gaps or repeats', async () => {
      const seen = new Set<string>();
      let cursor: string | undefined;
      let all = 0;
      do {
        const page = await listPassRecords(database.db, demo, {}, { cursor, limit: 3 });
        for (const i of page.items) {
          assert.ok(!seen.has(i.id));
          seen.add(i.id);
        }
        all += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const [{ n }] = await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from access.pass_records`,
      );
      assert.ok(all > 3);
      assert.equal(all, Number(n));
      await assert.rejects(
        listPassRecords(database.db, demo, {}, { cursor: 'bogus' }),
        (e) => code(e) === 'INVALID_INPUT',
      );
    });

    test('parking spaces CRUD and the fee rule with versions', async () => {
      const car = (await database.db.select().from(vehicles).where(eq(vehicles.plate, '浙A12345')))[0];
      const s = await saveParkingSpace(database.db, demo, { code: 'B1-001', kind: 'owned', vehicleId: car.id }, staff);
      await assert.rejects(
        saveParkingSpace(database.db, demo, { code: 'B1-001', kind: 'public' }, staff),
        (e) => code(e) === 'CONFLICT',
      );
      const u = await saveParkingSpace(
        database.db,
        demo,
        { id: s.id, code: 'B1-001', kind: 'public', vehicleId: car.id, expectedVersion: 1 },
        staff,
      );
      assert.equal(u.vehicleId, null, 'a public space links no vehicle');
      assert.equal((await listParkingSpaces(database.db, demo)).length, 1);
      await deleteParkingSpace(database.db, demo, s.id, staff);
      assert.equal((await listParkingSpaces(database.db, demo)).length, 0);
      const rule = await getFeeRule(database.db, demo);
      await assert.rejects(
        saveFeeRule(database.db, demo, { freeMinutes: 0, perHourFen: 100, dailyCapFen: 1000 }, staff, rule.version + 5),
        (e) => code(e) === 'CONFLICT',
      );
      await assert.rejects(
        saveFeeRule(database.db, demo, { freeMinutes: 0, perHourFen: 5000, dailyCapFen: 1000 }, staff),
        (e) => code(e) === 'INVALID_INPUT',
      );
    });

    test('followGatePasses: a people gate product on the bus becomes a record, other products do not', async () => {
      const { readFile } = await import('node:fs/promises');
      const model = JSON.parse(
        await readFile(new URL('../../../../schemas/iot/models/people-gate.json', import.meta.url), 'utf8'),
      );
      const [gateProduct] = await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
        tx
          .insert(products)
          .values([
            {
              communityId: demo,
              productKey: 'busgate',
              name: '人行闸',
              thingModel: model,
              createdBy: 't',
            },
            {
              communityId: demo,
              productKey: 'bussmoke',
              name: '烟感',
              thingModel: { events: [] },
              createdBy: 't',
            },
          ])
          .returning({ id: products.id }),
      );
      const bus = new MemoryBus();
      const sub = await followGatePasses(bus, database, crypto, { durable: 'test-passes' });
      const gate = { productKey: 'busgate', deviceName: 'bus-1', deviceId: randomUUID() };
      // The gate as the IoT registry knows it, with where it stands: the pass record shows that location.
      await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
        tx.insert(devices).values({
          id: gate.deviceId,
          communityId: demo,
          productId: gateProduct.id,
          productKey: 'busgate',
          deviceName: 'bus-1',
          secretCipher: 'not used here',
          location: '示范小区东门',
          createdBy: 't',
        }),
      );
      const publish = (g: typeof gate, data: DeviceEvent) =>
        bus.publish({
          id: randomUUID(),
          subject: `shequ.iot.${demo}.${g.productKey}.${g.deviceId}.event`,
          communityId: demo,
          time: new Date().toISOString(),
          data,
        } as never);
      await publish(gate, passEvent(gate, { personRef: 'bus-face', direction: 0, mode: 0 }));
      const other = { ...gate, productKey: 'bussmoke', deviceId: randomUUID() };
      await publish(other, passEvent(other, { personRef: 'x', direction: 0 }));
      await sub.stop();
      const byDevice = async (id: string) => (await listPassRecords(database.db, demo, { deviceId: id })).items.length;
      assert.equal(await byDevice(gate.deviceId), 1);
      const [rec] = (await listPassRecords(database.db, demo, { deviceId: gate.deviceId })).items;
      assert.equal(rec.gateLocation, '示范小区东门');
      assert.equal(await byDevice(other.deviceId), 0);
    });

    test('the bus consumer records gate passes only', async () => {
      const kindOf = async (_c: string, pk: string) => (pk === 'pgate' ? ('people' as const) : null);
      const env = (data: unknown) => ({ id: randomUUID(), subject: 'x', communityId: demo, time: '', data }) as never;
      const rec = await passFromDeviceEvent(
        { database, crypto },
        kindOf,
        env(passEvent(peopleGate, { personRef: 'f1', direction: 1, mode: 0 })),
      );
      assert.equal(rec?.subjectKind, 'unknown');
      const other = await passFromDeviceEvent(
        { database, crypto },
        kindOf,
        env({ ...passEvent(peopleGate, {}), event: 'fault' }),
      );
      assert.equal(other, null);
      const stats = await trafficStats(database.db, demo, DateTime.now().setZone(accessZone).toISODate() as string);
      assert.ok(stats.totals.out >= 1);
      await assert.rejects(trafficStats(database.db, demo, '2026-13-01'), (e) => code(e) === 'INVALID_INPUT');
    });
  });
}
