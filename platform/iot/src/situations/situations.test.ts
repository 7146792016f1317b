import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { EventEnvelope } from '@shequ/bus';
import { MemoryBus } from '@shequ/bus';
import { auditLog, eventHistory, events, people, queryRows, situationEvents, testEngines, withScope } from '@shequ/db';
import { standardThingModels } from '@shequ/schemas';
import { and, eq, sql } from 'drizzle-orm';
import { readDeviceCsv } from '../registry/csv-register.ts';
import { getDeviceDetail } from '../registry/device-detail.ts';
import { createDevices, setDeviceLocation } from '../registry/devices-service.ts';
import { createProduct } from '../registry/products-service.ts';
import { actor, iotFixture, nextMessage } from '../testing.ts';
import {
  closeSituation,
  closeSituationFromDesk,
  emergencyClassOf,
  followSituationClosures,
  followSituations,
  getSituation,
  listSituations,
  recordSituationDetection,
  situationProfileOf,
  situationProfiles,
  situationStats,
} from './situations.ts';

const models = standardThingModels();
const code = (e: unknown) => (e as { code?: string }).code;

test('a product maps to a situation kind by its thing model clause; only alert events count', () => {
  const cam = situationProfileOf(models['ai-camera']);
  assert.equal(cam?.kind, 'abnormal');
  assert.deepEqual(
    [...(cam?.alerts.keys() ?? [])],
    ['fall', 'fight', 'crowding', 'thrownObject', 'ebikeInLift', 'fireSmoke'],
  );
  assert.equal(cam?.kinds.get('fall'), 'abnormal');
  assert.equal(cam?.kinds.get('fireSmoke'), 'emergency', "the camera's fire detection names 6.2.2.3 itself");
  const fog = situationProfileOf(models['fog-sensor']);
  assert.deepEqual(
    [fog?.kind, fog?.alerts.get('fogAlarm'), fog?.alerts.has('lowBattery')],
    ['emergency', '雾感报警', false],
  );
  const gas = situationProfileOf(models['gas-detector']);
  assert.deepEqual(
    [...(gas?.kinds ?? [])],
    [
      ['gasLeak', 'emergency'],
      ['toxicGas', 'emergency'],
    ],
  );
  assert.deepEqual(
    ['smokeAlarm', 'fogAlarm', 'fireSmoke', 'quake', 'gasLeak', 'toxicGas', 'fall'].map((c) =>
      emergencyClassOf(c === 'fall' ? 'abnormal' : 'emergency', c),
    ),
    ['fire', 'fire', 'fire', 'earthquake', 'workSafety', 'workSafety', null],
  );
  assert.equal(emergencyClassOf('emergency', 'toString'), null, 'a maker-defined category has no class');
  // An event may serve 6.2.2.3 in a model of another clause; the model's other alerts make no situation.
  const pv = models['pv-inverter'];
  const arc = situationProfileOf({
    ...pv,
    events: [
      ...pv.events,
      { identifier: 'arcFire', name: '直流拉弧', type: 'alert', clause: '6.2.2.3', outputData: [] },
    ],
  });
  assert.deepEqual([arc?.kind, [...(arc?.kinds ?? [])]], [null, [['arcFire', 'emergency']]]);
  const ir = situationProfileOf(models['perimeter-infrared']);
  assert.equal(ir?.kind, 'boundary');
  assert.ok(ir?.alerts.has('intrusion') && !ir.alerts.has('tamper'), 'tamper is an error event, no situation');
  const pc = situationProfileOf(models['perimeter-camera']);
  assert.equal(pc?.kind, 'boundary', 'a perimeter camera watches the boundary (6.2.2.2)');
  assert.deepEqual([...(pc?.alerts.keys() ?? [])], ['lineCrossing', 'regionIntrusion']);
  assert.equal(situationProfileOf(models['smoke-detector'])?.kind, 'emergency');
  assert.ok(!situationProfileOf(models['smoke-detector'])?.alerts.has('lowBattery'));
  assert.equal(situationProfileOf(models['earthquake-sensor'])?.alerts.get('quake'), '地震预警');
  assert.equal(situationProfileOf(models['power-meter']), null);
  assert.equal(situationProfileOf(null), null);
});

test('device CSV: an optional location column, at most 128 characters', () => {
  const r = readDeviceCsv(`deviceName,location\ncam-0101,7幢2单元电梯\ncam-0102,\ncam-0103,${'x'.repeat(129)}\n`);
  assert.deepEqual(r.devices.slice(0, 2), [
    { deviceName: 'cam-0101', nickname: undefined, location: '7幢2单元电梯' },
    { deviceName: 'cam-0102', nickname: undefined },
  ]);
  assert.deepEqual(
    r.errors.map((e) => `${e.row}:${e.column}`),
    ['4:location'],
  );
});

for (const engine of testEngines()) {
  describe(`public-area situation warehouse (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    let cam: { id: string; productKey: string; deviceName: string; deviceSecret: string };
    let ir: { id: string; productKey: string; deviceName: string; deviceSecret: string };
    let smoke: { id: string; productKey: string; deviceName: string; deviceSecret: string };
    const waitFor = async <T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000) => {
      const until = Date.now() + ms;
      for (;;) {
        const v = await read();
        if (ok(v)) return v;
        if (Date.now() > until) throw new Error(`condition not met in time: ${JSON.stringify(v)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let seq = 0;
    const envelope = (
      d: { id: string; productKey: string; deviceName: string },
      event: string,
      time: number,
      value: Record<string, unknown> = {},
      extra: Record<string, unknown> = {},
    ): EventEnvelope =>
      ({
        id: randomUUID(),
        subject: `shequ.iot.${f.communityId}.${d.productKey}.${d.id}.event`,
        communityId: f.communityId,
        time: new Date().toISOString(),
        data: {
          productKey: d.productKey,
          deviceName: d.deviceName,
          deviceId: d.id,
          messageId: String(++seq),
          event,
          type: 'alert',
          value,
          time,
          ...extra,
        },
      }) as EventEnvelope;

    before(async () => {
      f = await iotFixture(engine);
      const product = async (name: string, model: string) =>
        createProduct(f.iot.deps, f.scope, f.communityId, { name, thingModel: models[model] }, actor);
      const pCam = await product('AI 摄像机', 'ai-camera');
      const pIr = await product('周界红外', 'perimeter-infrared');
      const pSmoke = await product('烟感', 'smoke-detector');
      [cam] = await createDevices(
        f.iot.deps,
        f.scope,
        pCam.productKey,
        [{ deviceName: 'cam-0001', location: '7幢2单元电梯' }],
        actor,
      );
      [ir] = await createDevices(
        f.iot.deps,
        f.scope,
        pIr.productKey,
        [{ deviceName: 'ir-0001', location: '3幢东侧围墙' }],
        actor,
      );
      [smoke] = await createDevices(f.iot.deps, f.scope, pSmoke.productKey, [{ deviceName: 'smoke-0001' }], actor);
    });
    after(async () => {
      await f?.close();
    });

    test('device location: set at registration, shown in detail, changed with audit and a stale check', async () => {
      const detail = await getDeviceDetail(f.iot.deps, f.scope, ir.productKey, ir.deviceName);
      assert.equal(detail.location, '3幢东侧围墙');
      await assert.rejects(
        createDevices(
          f.iot.deps,
          f.scope,
          ir.productKey,
          [{ deviceName: 'ir-0009', location: 'x'.repeat(129) }],
          actor,
        ),
        (e) => code(e) === 'INVALID_INPUT',
      );
      await assert.rejects(
        setDeviceLocation(f.iot.deps, f.scope, smoke.productKey, smoke.deviceName, '1幢大堂', actor, {
          location: '别处',
        }),
        (e) => code(e) === 'CONFLICT',
      );
      const r = await setDeviceLocation(f.iot.deps, f.scope, smoke.productKey, smoke.deviceName, ' 1幢大堂 ', actor, {
        location: null,
      });
      assert.equal(r.location, '1幢大堂');
      const audits = await f.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'iot.device.set_location'), eq(auditLog.objectId, smoke.id)));
      assert.equal(audits.length, 1);
      assert.deepEqual((audits[0].detail as { from: unknown; to: unknown }).to, '1幢大堂');
    });

    test('a real MQTT camera posting fall twice and a perimeter intrusion make two situations', async () => {
      const sub = await followSituations(f.bus, f.database, { durable: 'test-situations' });
      try {
        const post = async (d: typeof cam, event: string, value: Record<string, unknown>) => {
          const c = await f.device(d);
          const topic = `/sys/${d.productKey}/${d.deviceName}/thing/event/${event}/post`;
          await c.subscribeAsync(`${topic}_reply`);
          const r = nextMessage(c, `${topic}_reply`);
          c.publish(topic, JSON.stringify({ id: String(++seq), params: { value, time: Date.now() } }), { qos: 1 });
          assert.equal((await r).code, 200);
        };
        await post(cam, 'fall', { confidence: 0.93, location: '7幢2单元电梯前室' });
        await post(cam, 'fall', { confidence: 0.88 });
        await post(ir, 'intrusion', { zone: 'east', beam: 1 });
        await post(ir, 'tamper', { zone: 'east' });
        const list = await waitFor(
          () => listSituations(f.database.db, f.scope, f.communityId),
          (l) => l.items.length === 2 && l.items.some((s) => s.category === 'fall' && s.detections === 2),
        );
        const fall = list.items.find((s) => s.category === 'fall');
        const intrusion = list.items.find((s) => s.category === 'intrusion');
        assert.equal(fall?.kind, 'abnormal');
        assert.equal(fall?.location, '7幢2单元电梯前室', "the payload's location wins");
        assert.equal(fall?.deviceName, 'cam-0001');
        assert.equal(intrusion?.kind, 'boundary');
        assert.equal(intrusion?.location, '3幢东侧围墙', "else the device's location");
        assert.equal(intrusion?.detections, 1);
        assert.equal(intrusion?.status, 'open');
        const desk = await f.database.db
          .select()
          .from(events)
          .where(and(eq(events.source, 'iot'), eq(events.communityId, f.communityId)));
        assert.equal(desk.length, 2, 'one desk event per situation, none for the repeat');
        assert.ok(desk.every((e) => e.severity === 'high' && e.type.startsWith('iot.situation.')));
        assert.deepEqual(desk.map((e) => e.id).sort(), [fall?.deskEventId, intrusion?.deskEventId].sort());
      } finally {
        await sub.stop();
      }
    });

    test('dedup window, duration, redelivery, non-alert and unknown events', async () => {
      const profileOf = situationProfiles(f.database.db);
      const t0 = Date.parse('2026-11-20T10:00:00+08:00');
      const first = envelope(smoke, 'smokeAlarm', t0, { smokeDensity: 12, location: '1幢大堂吊顶' });
      const a = await recordSituationDetection(f.database.db, profileOf, first);
      assert.ok(a?.opened);
      const again = await recordSituationDetection(f.database.db, profileOf, first);
      assert.deepEqual(again, { ...a, opened: false, duplicate: true }, 'a redelivered event records nothing');
      const b = await recordSituationDetection(
        f.database.db,
        profileOf,
        envelope(smoke, 'smokeAlarm', t0 + 9 * 60_000, { smokeDensity: 20 }),
      );
      assert.equal(b?.situationId, a?.situationId, 'within 10 minutes of the last detection: the same situation');
      const c = await recordSituationDetection(
        f.database.db,
        profileOf,
        envelope(smoke, 'smokeAlarm', t0 + 18 * 60_000, {}),
      );
      assert.equal(c?.situationId, a?.situationId, 'the window runs from the last detection, not the first');
      const d = await recordSituationDetection(
        f.database.db,
        profileOf,
        envelope(smoke, 'smokeAlarm', t0 + 40 * 60_000, {}),
      );
      assert.ok(d?.opened && d.situationId !== a?.situationId, 'after the window a new situation opens');
      const narrow = await recordSituationDetection(
        f.database.db,
        profileOf,
        envelope(smoke, 'smokeAlarm', t0 + 42 * 60_000, {}),
        { windowMs: 60_000 },
      );
      assert.ok(narrow?.opened, 'a configured window of one minute');
      const s = await getSituation(f.database.db, f.scope, f.communityId, a?.situationId as string);
      assert.equal(s.detections, 3);
      assert.equal(s.durationSeconds, 18 * 60, 'duration = last seen − first detection');
      assert.equal(s.location, '1幢大堂吊顶');
      assert.equal(s.kind, 'emergency');
      assert.deepEqual(s.payload, { smokeDensity: 12, location: '1幢大堂吊顶' });
      assert.equal(s.detectionLog.length, 3);
      const [deskRow] = await f.database.db
        .select()
        .from(events)
        .where(eq(events.id, s.deskEventId as string));
      assert.equal(deskRow.severity, 'critical');
      assert.equal(deskRow.sourceRef, `situation:${s.id}`);
      assert.equal(
        await recordSituationDetection(f.database.db, profileOf, envelope(smoke, 'lowBattery', t0, { battery: 5 })),
        null,
        'an error event is no situation',
      );
      assert.equal(await recordSituationDetection(f.database.db, profileOf, envelope(smoke, 'nosuch', t0)), null);
      assert.equal(
        await recordSituationDetection(f.database.db, profileOf, envelope(f.devices[0], 'overload', t0)),
        null,
        'a power meter is no public-area device',
      );
      assert.equal(
        await recordSituationDetection(f.database.db, profileOf, { ...first, communityId: undefined } as never),
        null,
      );
      assert.equal(
        await recordSituationDetection(
          f.database.db,
          profileOf,
          envelope(smoke, 'smokeAlarm', t0, {}, { type: 'info' }),
        ),
        null,
      );
    });

    test('closing: bad input, parties from the base warehouse, stale version, audit, no second close', async () => {
      const profileOf = situationProfiles(f.database.db);
      const r = await recordSituationDetection(
        f.database.db,
        profileOf,
        envelope(cam, 'fight', Date.parse('2026-11-21T20:00:00+08:00'), { confidence: 0.7, personRef: 'face-17' }),
      );
      const id = r?.situationId as string;
      const [person] = await withScope(f.database.db, f.scope, (tx) =>
        tx
          .insert(people)
          .values({
            communityId: f.communityId,
            name: '张三',
            idType: 'resident_id',
            idNumberCipher: 'x',
            idNumberIndex: randomUUID(),
            idNumberMasked: '3301**********0011',
            category: 'resident',
            createdBy: 'test',
            updatedBy: 'test',
          })
          .returning({ id: people.id }),
      );
      const staff = { subject: 'staff-1', role: 'property_staff' };
      await assert.rejects(
        closeSituation(f.database.db, f.scope, f.communityId, { id, result: '  ' }, staff),
        (e) => code(e) === 'INVALID_INPUT',
      );
      await assert.rejects(
        closeSituation(f.database.db, f.scope, f.communityId, { id, result: 'x'.repeat(1001) }, staff),
        (e) => code(e) === 'INVALID_INPUT',
      );
      await assert.rejects(
        closeSituation(f.database.db, f.scope, f.communityId, { id, result: 'ok', personIds: [randomUUID()] }, staff),
        (e) => code(e) === 'INVALID_INPUT',
      );
      await assert.rejects(
        closeSituation(f.database.db, f.scope, f.communityId, { id, result: 'ok', expectedVersion: 99 }, staff),
        (e) => code(e) === 'CONFLICT',
      );
      await assert.rejects(
        closeSituation(f.database.db, f.scope, f.communityId, { id: randomUUID(), result: 'ok' }, staff),
        (e) => code(e) === 'NOT_FOUND',
      );
      const closed = await closeSituation(
        f.database.db,
        f.scope,
        f.communityId,
        { id, result: '保安到场劝离，双方和解', personIds: [person.id], expectedVersion: 1 },
        staff,
      );
      assert.equal(closed.status, 'closed');
      assert.equal(closed.result, '保安到场劝离，双方和解');
      assert.equal(closed.handledBy, 'staff-1');
      assert.ok(closed.closedAt && closed.handlingSeconds !== null);
      const got = await getSituation(f.database.db, f.scope, f.communityId, id);
      assert.deepEqual(got.parties, [
        { kind: 'ref', ref: 'face-17' },
        { kind: 'person', personId: person.id, name: '张三' },
      ]);
      const audits = await f.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'iot.situation.close'), eq(auditLog.objectId, id)));
      assert.equal(audits.length, 1);
      assert.equal(audits[0].subject, 'staff-1');
      await assert.rejects(
        closeSituation(f.database.db, f.scope, f.communityId, { id, result: 'again' }, staff),
        (e) => code(e) === 'CONFLICT',
      );
      // A detection after closing opens a new situation rather than extending the closed one.
      const next = await recordSituationDetection(
        f.database.db,
        profileOf,
        envelope(cam, 'fight', Date.parse('2026-11-21T20:01:00+08:00')),
      );
      assert.ok(next?.opened && next.situationId !== id);
    });

    test('closing the desk event gives the situation its result', async () => {
      const profileOf = situationProfiles(f.database.db);
      const r = await recordSituationDetection(
        f.database.db,
        profileOf,
        envelope(cam, 'ebikeInLift', Date.parse('2026-11-22T08:00:00+08:00'), { liftId: 'L7-2' }),
      );
      const eventId = r?.deskEventId as string;
      const transitioned = (state: string) =>
        ({
          id: randomUUID(),
          subject: 'shequ.events.transitioned',
          communityId: f.communityId,
          time: new Date().toISOString(),
          data: { eventId, source: 'iot', state, actor: 'worker-9' },
        }) as EventEnvelope;
      assert.equal(await closeSituationFromDesk(f.database.db, transitioned('reported')), null, 'not final yet');
      await f.database.db
        .update(events)
        .set({ state: 'closed', version: sql`${events.version} + 1` })
        .where(eq(events.id, eventId));
      await f.database.db.insert(eventHistory).values({
        eventId,
        communityId: f.communityId,
        action: 'resolve',
        actor: 'worker-9',
        version: 2,
        detail: { note: '已劝离电瓶车主人' },
      });
      // Through the bus consumer, as `shequ start` runs it; a desk event of another source is ignored.
      const bus = new MemoryBus();
      const sub = await followSituationClosures(bus, f.database, { durable: 'test-closures' });
      await bus.publish({ ...transitioned('closed'), data: { eventId, source: 'resident', state: 'closed' } } as never);
      assert.equal(
        (await getSituation(f.database.db, f.scope, f.communityId, r?.situationId as string)).status,
        'open',
      );
      await bus.publish(transitioned('closed') as never);
      await sub.stop();
      const done = {
        result: (await getSituation(f.database.db, f.scope, f.communityId, r?.situationId as string)).result,
      };
      assert.equal(done?.result, '已劝离电瓶车主人');
      const s = await getSituation(f.database.db, f.scope, f.communityId, r?.situationId as string);
      assert.equal(s.status, 'closed');
      assert.equal(s.handledBy, 'worker-9');
      assert.equal(s.deskEventState, 'closed');
      assert.equal(await closeSituationFromDesk(f.database.db, transitioned('closed')), null, 'closed once');
    });

    test('list filters, keyset pages and stats per kind, category and Asia/Shanghai day', async () => {
      const all = await listSituations(f.database.db, f.scope, f.communityId, {}, { limit: 200 });
      const pages: string[] = [];
      let cursor: string | undefined;
      do {
        const p = await listSituations(f.database.db, f.scope, f.communityId, {}, { limit: 2, cursor });
        pages.push(...p.items.map((i) => i.id));
        cursor = p.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(
        pages,
        all.items.map((i) => i.id),
      );
      const abnormal = await listSituations(f.database.db, f.scope, f.communityId, { kind: 'abnormal' });
      assert.ok(abnormal.items.length > 0 && abnormal.items.every((i) => i.kind === 'abnormal'));
      const closed = await listSituations(f.database.db, f.scope, f.communityId, { status: 'closed' });
      assert.ok(closed.items.every((i) => i.status === 'closed' && i.result));
      const byDevice = await listSituations(f.database.db, f.scope, f.communityId, { deviceId: smoke.id });
      assert.equal(byDevice.items.length, 3);
      const ranged = await listSituations(f.database.db, f.scope, f.communityId, {
        from: new Date('2026-11-20T00:00:00+08:00'),
        to: new Date('2026-11-21T00:00:00+08:00'),
      });
      assert.equal(ranged.items.length, 3);
      await assert.rejects(
        listSituations(f.database.db, f.scope, f.communityId, {}, { cursor: 'bogus' }),
        (e) => code(e) === 'INVALID_INPUT',
      );
      const st = await situationStats(f.database.db, f.scope, f.communityId, { from: '2026-11-20', to: '2026-11-22' });
      const smokeRow = st.byCategory.find((c) => c.category === 'smokeAlarm');
      assert.deepEqual(
        { count: smokeRow?.count, open: smokeRow?.open, median: smokeRow?.medianSeconds, mean: smokeRow?.meanSeconds },
        { count: 3, open: 3, median: 0, mean: 360 },
      );
      assert.equal(st.byKind.find((k) => k.kind === 'emergency')?.count, 3);
      assert.deepEqual(
        st.byDay.filter((d) => d.kind === 'abnormal').map((d) => [d.day, d.count]),
        [
          ['2026-11-21', 2],
          ['2026-11-22', 1],
        ],
      );
      await assert.rejects(
        situationStats(f.database.db, f.scope, f.communityId, { from: '2026-13-01', to: '2026-11-22' }),
        (e) => code(e) === 'INVALID_INPUT',
      );
    });

    test('row-level security keeps another community out', async () => {
      const other = { kind: 'communities' as const, ids: [randomUUID()] };
      assert.equal((await listSituations(f.database.db, other, f.communityId)).items.length, 0);
      const [any] = (await listSituations(f.database.db, f.scope, f.communityId)).items;
      await assert.rejects(getSituation(f.database.db, other, f.communityId, any.id), (e) => code(e) === 'NOT_FOUND');
      await assert.rejects(
        closeSituation(f.database.db, other, f.communityId, { id: any.id, result: 'x' }, actor),
        (e) => code(e) === 'NOT_FOUND',
      );
      const seen = await withScope(f.database.db, other, (tx) => tx.select().from(situationEvents));
      assert.equal(seen.length, 0);
      await assert.rejects(
        withScope(f.database.db, other, (tx) =>
          tx.insert(situationEvents).values({
            communityId: f.communityId,
            kind: 'abnormal',
            category: 'fall',
            deviceId: cam.id,
            productKey: cam.productKey,
            deviceName: cam.deviceName,
            occurredAt: new Date(),
            lastSeenAt: new Date(),
          }),
        ),
      );
      const n = await queryRows<{ n: number }>(
        f.database.db,
        sql`select count(*)::int as n from iot.situation_events where community_id = ${f.communityId}`,
      );
      assert.ok(Number(n[0].n) >= 8);
    });

    test('every alert 6.2.2.1–6.2.2.3 names becomes a situation of its kind (crowding, thrown object, quake, line crossing)', async () => {
      const profileOf = situationProfiles(f.database.db);
      const pQuake = await createProduct(
        f.iot.deps,
        f.scope,
        f.communityId,
        { name: '地震监测', thingModel: models['earthquake-sensor'] },
        actor,
      );
      const [quake] = await createDevices(f.iot.deps, f.scope, pQuake.productKey, [{ deviceName: 'eq-0001' }], actor);
      const pEdge = await createProduct(
        f.iot.deps,
        f.scope,
        f.communityId,
        { name: '周界摄像机', thingModel: models['perimeter-camera'] },
        actor,
      );
      const [edge] = await createDevices(
        f.iot.deps,
        f.scope,
        pEdge.productKey,
        [{ deviceName: 'pc-0001', location: '北门围墙' }],
        actor,
      );
      const t0 = Date.parse('2026-12-01T09:00:00+08:00');
      const seen: [string, string, string | null][] = [];
      for (const [device, event, value] of [
        [cam, 'crowding', { count: 42 }],
        [cam, 'thrownObject', { floorEstimate: 12 }],
        [quake, 'quake', { intensity: 6.5, secondsToArrival: 20 }],
        [edge, 'lineCrossing', { zone: 'north', direction: 0 }],
      ] as const) {
        const r = await recordSituationDetection(f.database.db, profileOf, envelope(device, event, t0, value));
        assert.ok(r?.opened, `${event} opens a situation`);
        const s = await getSituation(f.database.db, f.scope, f.communityId, r?.situationId as string);
        seen.push([s.kind, s.category, s.location]);
      }
      assert.deepEqual(seen, [
        ['abnormal', 'crowding', '7幢2单元电梯'],
        ['abnormal', 'thrownObject', '7幢2单元电梯'],
        ['emergency', 'quake', null],
        ['boundary', 'lineCrossing', '北门围墙'],
      ]);
    });

    test('6.2.2.3 over MQTT: a camera seeing fire, a fog sensor and a gas leak become emergencies (消防, 安全生产)', async () => {
      const product = async (name: string, model: string) =>
        createProduct(f.iot.deps, f.scope, f.communityId, { name, thingModel: models[model] }, actor);
      const pFog = await product('雾感', 'fog-sensor');
      const pGas = await product('燃气探测', 'gas-detector');
      const [fog] = await createDevices(
        f.iot.deps,
        f.scope,
        pFog.productKey,
        [{ deviceName: 'fog-0001', location: '地下车库B区' }],
        actor,
      );
      const [gas] = await createDevices(
        f.iot.deps,
        f.scope,
        pGas.productKey,
        [{ deviceName: 'gas-0001', location: '社区食堂后厨' }],
        actor,
      );
      const sub = await followSituations(f.bus, f.database, { durable: 'test-situations-emergency' });
      try {
        const post = async (d: typeof cam, event: string, value: Record<string, unknown>) => {
          const c = await f.device(d);
          const topic = `/sys/${d.productKey}/${d.deviceName}/thing/event/${event}/post`;
          await c.subscribeAsync(`${topic}_reply`);
          const r = nextMessage(c, `${topic}_reply`);
          c.publish(topic, JSON.stringify({ id: String(++seq), params: { value, time: Date.now() } }), { qos: 1 });
          assert.equal((await r).code, 200, `${event} accepted`);
        };
        await post(cam, 'fireSmoke', { kind: 1, confidence: 0.91, location: '7幢北侧电动车棚' });
        await post(fog, 'fogAlarm', { aerosolDensity: 3.2, visibility: 15 });
        await post(gas, 'gasLeak', { lel: 25.5, gas: 0 });
        await post(gas, 'sensorFault', { code: 7 });
        const list = await waitFor(
          () => listSituations(f.database.db, f.scope, f.communityId, { kind: 'emergency', status: 'open' }),
          (l) => ['fireSmoke', 'fogAlarm', 'gasLeak'].every((c) => l.items.some((s) => s.category === c)),
        );
        const by = (c: string) => list.items.find((s) => s.category === c);
        assert.deepEqual(
          ['fireSmoke', 'fogAlarm', 'gasLeak'].map((c) => [by(c)?.kind, by(c)?.emergencyClass, by(c)?.location]),
          [
            ['emergency', 'fire', '7幢北侧电动车棚'],
            ['emergency', 'fire', '地下车库B区'],
            ['emergency', 'workSafety', '社区食堂后厨'],
          ],
        );
        assert.ok(!list.items.some((s) => s.category === 'sensorFault'), 'an error event is no situation');
        const desk = await f.database.db
          .select()
          .from(events)
          .where(eq(events.id, by('gasLeak')?.deskEventId as string));
        assert.deepEqual([desk[0]?.type, desk[0]?.severity], ['iot.situation.emergency', 'critical']);
        assert.match(desk[0]?.description ?? '', /应急类别 \/ emergency: 安全生产 \(workSafety\)/);
        const safety = await listSituations(f.database.db, f.scope, f.communityId, { emergencyClass: 'workSafety' });
        assert.deepEqual(
          safety.items.map((s) => s.category),
          ['gasLeak'],
        );
        const health = await listSituations(f.database.db, f.scope, f.communityId, { emergencyClass: 'publicHealth' });
        assert.deepEqual(health.items, [], 'no device raises public-health emergencies: the desk reports them');
        const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
        const st = await situationStats(f.database.db, f.scope, f.communityId, { from: today, to: today });
        assert.deepEqual(
          st.byEmergencyClass.map((c) => [c.emergencyClass, c.count, c.open]),
          [
            ['fire', 2, 2],
            ['earthquake', 0, 0],
            ['publicHealth', 0, 0],
            ['workSafety', 1, 1],
          ],
        );
        assert.equal(st.byCategory.find((c) => c.category === 'fireSmoke')?.emergencyClass, 'fire');
      } finally {
        await sub.stop();
      }
    });
  });
}
