import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHouse, loadConfig, openPlatform, type Platform, pruneApiNonces, pruneApiRateWindows } from '@shequ/core';
import {
  apiClients,
  apiNonces,
  apiRateWindows,
  auditLog,
  changes,
  createTestDatabaseUrl,
  houses,
  mergeProposals,
  occupancies,
  people,
  regions,
  spaces,
  testEngines,
  vehicles,
  withScope,
} from '@shequ/db';
import { baseSchemas, exchangeSchemas } from '@shequ/schemas';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { openApiPaths } from '../open/document.ts';
import { signOpenApiRequest } from '../open/signing.ts';
import { buildServer } from '../server.ts';
import { apiTestClient } from '../testing.ts';

/** A valid mainland ID number (GB 11643 check digit) with the given sequence. */
function idCard(seq: number, birth = '19900101'): string {
  const body = `330106${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

interface Key {
  keyId: string;
  secret: string;
  id: string;
}

for (const engine of testEngines()) {
  describe(`signed open API /open/v1 (${engine})`, () => {
    const dirs: string[] = [];
    let platform: Platform;
    let second: Platform | undefined;
    let app: FastifyInstance;
    let appB: FastifyInstance | undefined;
    let dropDb: (() => Promise<void>) | undefined;
    const client = apiTestClient(() => app);
    let full: Key;
    let housesOnly: Key;
    let exchange: Key;
    const house = { compound: '示范小区', building: '7', unit: '2', floor: '3', room: '301' };

    const open = async (url?: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'shequ-openapi-'));
      dirs.push(dir);
      const masterKey = (globalThis as { __openapiKey?: string }).__openapiKey;
      return openPlatform(
        loadConfig({
          SHEQU_DATA_DIR: dir,
          SHEQU_LOG_LEVEL: 'silent',
          ...(url ? { DATABASE_URL: url } : {}),
          ...(masterKey ? { SHEQU_MASTER_KEY: masterKey } : {}),
        }),
        { role: 'test' },
      );
    };

    before(async () => {
      (globalThis as { __openapiKey?: string }).__openapiKey = randomBytes(32).toString('base64');
      if (engine === 'postgres') {
        const pg = await createTestDatabaseUrl();
        dropDb = pg.drop;
        platform = await open(pg.url);
        second = await open(pg.url);
      } else platform = await open();
      app = await buildServer(platform);
      if (second) appB = await buildServer(second);
      await client.login('operator', 'property');
      const [demo] = await platform.database.db.select().from(regions).where(eq(regions.code, 'demo'));
      const system = { subject: 'test-setup' };
      for (const room of ['301', '302', '303']) {
        await createHouse(
          { db: platform.database.db, crypto: platform.crypto },
          { kind: 'all' },
          demo.id,
          {
            ...house,
            room,
          },
          system,
        );
      }
      const made = await client.send('operator', 'openapi.clients.create', {
        community: 'demo',
        name: '物业管理系统',
        scopes: ['people.tenants.write', 'people.visitors.write', 'houses.read', 'people.read-masked'],
      });
      assert.equal(made.statusCode, 200, made.body);
      full = made.json().result.data;
      const made2 = await client.send('operator', 'openapi.clients.create', {
        community: 'demo',
        name: '只读房屋',
        scopes: ['houses.read'],
        rateLimit: 3,
      });
      housesOnly = made2.json().result.data;
      const made3 = await client.send('operator', 'openapi.clients.create', {
        community: 'demo',
        name: '省域社区数字化共享应用',
        scopes: [
          'people.occupants.write',
          'people.roles.write',
          'houses.write',
          'vehicles.read',
          'vehicles.write',
          'spaces.read',
          'spaces.write',
        ],
      });
      assert.equal(made3.statusCode, 200, made3.body);
      exchange = made3.json().result.data;
    });
    after(async () => {
      await app?.close();
      await appB?.close();
      await platform?.close();
      await second?.close();
      await dropDb?.();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    const call = (
      k: Pick<Key, 'keyId' | 'secret'>,
      method: 'GET' | 'POST',
      url: string,
      body?: unknown,
      o: {
        timestamp?: number;
        nonce?: string;
        sendBody?: string;
        via?: FastifyInstance;
        headers?: Record<string, string>;
      } = {},
    ) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers = signOpenApiRequest({ ...k, method, url, body: payload, timestamp: o.timestamp, nonce: o.nonce });
      return (o.via ?? app).inject({
        method,
        url,
        payload: o.sendBody ?? payload,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers, ...o.headers },
      });
    };
    const tenant = (seq: number, extra: Record<string, unknown> = {}) => ({
      name: '租客甲',
      idType: 'id_card',
      idNumber: idCard(seq),
      phone: '13912345678',
      ...house,
      validFrom: '2026-11-01',
      validTo: '2027-10-31',
      ...extra,
    });
    const reason = (r: { json(): { error: { reason: string } } }) => r.json().error.reason;

    test('the secret is shown once: the list never carries it', async () => {
      assert.match(full.keyId, /^sqk_[0-9a-f]{20}$/);
      assert.ok(full.secret.length >= 40);
      const list = await client.send('operator', 'openapi.clients.list', { community: 'demo' }, 'query');
      assert.equal(list.statusCode, 200);
      assert.ok(!list.body.includes(full.secret));
      const [row] = await platform.database.db.select().from(apiClients).where(eq(apiClients.keyId, full.keyId));
      assert.ok(!row.secretCipher.includes(full.secret), 'stored encrypted');
      const denied = await client.send('property', 'openapi.clients.list', { community: 'demo' }, 'query');
      assert.equal(denied.statusCode, 403, 'property staff do not manage API clients');
    });

    test('a signed tenant upsert creates the person and the tenant occupancy, attributed to the key; again is a no-op', async () => {
      const first = await call(full, 'POST', '/open/v1/people/tenants', tenant(1));
      assert.equal(first.statusCode, 201, first.body);
      const r = first.json();
      assert.equal(r.person, 'created');
      assert.equal(r.occupancy, 'created');
      const [p] = await platform.database.db.select().from(people).where(eq(people.id, r.personId));
      assert.equal(p.name, '租客甲');
      assert.equal(p.createdBy, `api:${full.keyId}`);
      const occ = await platform.database.db.select().from(occupancies).where(eq(occupancies.personId, r.personId));
      assert.equal(occ.length, 1);
      assert.equal(occ[0].role, 'tenant');
      assert.equal(occ[0].validFrom, '2026-11-01');
      assert.equal(occ[0].validTo, '2027-10-31');
      const again = await call(full, 'POST', '/open/v1/people/tenants', tenant(1));
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(
        [again.json().person, again.json().occupancy, again.json().personId],
        ['unchanged', 'unchanged', r.personId],
      );
      const moved = await call(
        full,
        'POST',
        '/open/v1/people/tenants',
        tenant(1, { validTo: '2027-04-30', phone: '13912345679' }),
      );
      assert.deepEqual([moved.json().person, moved.json().occupancy], ['updated', 'updated']);
      const occ2 = await platform.database.db.select().from(occupancies).where(eq(occupancies.personId, r.personId));
      assert.equal(occ2.length, 1);
      assert.equal(occ2[0].validTo, '2027-04-30');
      const audits = await platform.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'base.person.create'), eq(auditLog.objectId, r.personId)));
      assert.equal(audits[0].subject, `api:${full.keyId}`);
    });

    test('invalid bodies are refused naming the fields; the base-data validation is the console one', async () => {
      const bad = await call(full, 'POST', '/open/v1/people/tenants', { ...tenant(2), validFrom: 'soon', extra: 1 });
      assert.equal(bad.statusCode, 400);
      assert.equal(reason(bad), 'invalid_input');
      assert.ok(bad.json().error.fieldErrors.validFrom);
      assert.ok(bad.json().error.fieldErrors.extra);
      const wrongId = await call(
        full,
        'POST',
        '/open/v1/people/tenants',
        tenant(2, { idNumber: '330106199001010000' }),
      );
      assert.equal(wrongId.statusCode, 400);
      assert.ok(wrongId.json().error.fieldErrors.idNumber, wrongId.body);
      const noHouse = await call(full, 'POST', '/open/v1/people/tenants', tenant(2, { room: '999' }));
      assert.equal(noHouse.statusCode, 400);
      assert.ok(noHouse.json().error.fieldErrors.room);
      const notJson = await call(full, 'POST', '/open/v1/people/tenants', undefined, {
        sendBody: '{',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(notJson.statusCode, 401, 'the body is signed too: an unsigned body fails the signature first');
    });

    test('masked reads, houses paged, visitor passes', async () => {
      const found = await call(full, 'GET', `/open/v1/people?idNumber=${idCard(1)}`);
      assert.equal(found.statusCode, 200, found.body);
      const [p] = found.json().items;
      assert.notEqual(p.idNumber, idCard(1));
      assert.match(p.idNumber, /\*/);
      assert.match(p.phone, /\*/);
      const page1 = await call(full, 'GET', '/open/v1/houses?compound=示范小区&building=7&limit=2');
      assert.equal(page1.statusCode, 200, page1.body);
      assert.equal(page1.json().items.length, 2);
      const page2 = await call(
        full,
        'GET',
        `/open/v1/houses?building=7&compound=示范小区&limit=2&cursor=${page1.json().nextCursor}`,
      );
      assert.equal(page2.json().items.length, 1);
      assert.equal(page2.json().nextCursor, null);
      const from = new Date(Date.now() + 3600_000);
      const v = await call(full, 'POST', '/open/v1/people/visitors', {
        visitorName: '访客乙',
        visitorPhone: '13700000000',
        house,
        validFrom: from.toISOString(),
        validUntil: new Date(from.getTime() + 4 * 3600_000).toISOString(),
      });
      assert.equal(v.statusCode, 201, v.body);
      assert.match(v.json().code, /^\d{8}$/);
      assert.equal(v.json().visitorPhoneMasked, '137****0000');
    });

    test('refusals: missing headers, unknown key, bad signature, tampered body, skew, replay, scope', async () => {
      const bare = await app.inject({ method: 'GET', url: '/open/v1/houses' });
      assert.equal(bare.statusCode, 401);
      assert.equal(reason(bare), 'missing_headers');
      assert.ok(bare.json().error.messageZh && bare.json().error.messageEn);
      const unknown = await call({ keyId: 'sqk_00000000000000000000', secret: 'x' }, 'GET', '/open/v1/houses');
      assert.equal(reason(unknown), 'unknown_key');
      const badSig = await call({ keyId: full.keyId, secret: 'not-the-secret' }, 'GET', '/open/v1/houses');
      assert.equal(badSig.statusCode, 401);
      assert.equal(reason(badSig), 'bad_signature');
      const tampered = await call(full, 'POST', '/open/v1/people/tenants', tenant(3), {
        sendBody: JSON.stringify(tenant(3, { name: '别人' })),
      });
      assert.equal(reason(tampered), 'bad_signature');
      const query = await call(full, 'GET', '/open/v1/houses?building=7', undefined, {});
      assert.equal(query.statusCode, 200);
      const skew = await call(full, 'GET', '/open/v1/houses', undefined, { timestamp: Date.now() - 6 * 60_000 });
      assert.equal(skew.statusCode, 401);
      assert.equal(reason(skew), 'timestamp_skew');
      const nonce = randomBytes(12).toString('hex');
      const ts = Date.now();
      const once = await call(full, 'GET', '/open/v1/houses', undefined, { nonce, timestamp: ts });
      assert.equal(once.statusCode, 200);
      const twice = await call(full, 'GET', '/open/v1/houses', undefined, { nonce, timestamp: ts });
      assert.equal(twice.statusCode, 401);
      assert.equal(reason(twice), 'replayed_nonce');
      if (appB) {
        // Another API process on the same database knows the nonce too.
        const n2 = randomBytes(12).toString('hex');
        const a = await call(full, 'GET', '/open/v1/houses', undefined, { nonce: n2, timestamp: ts });
        assert.equal(a.statusCode, 200);
        const b = await call(full, 'GET', '/open/v1/houses', undefined, { nonce: n2, timestamp: ts, via: appB });
        assert.equal(b.statusCode, 401);
        assert.equal(reason(b), 'replayed_nonce');
        const fresh = await call(full, 'GET', '/open/v1/houses', undefined, { via: appB });
        assert.equal(fresh.statusCode, 200, 'the second process verifies keys with the shared master key');
      }
      const scope = await call(housesOnly, 'GET', '/open/v1/people');
      assert.equal(scope.statusCode, 403);
      assert.equal(reason(scope), 'scope_not_granted');
    });

    test('one key’s limit is shared by every API process; the next minute allows again; body limit', async () => {
      const made = await client.send('operator', 'openapi.clients.create', {
        community: 'demo',
        name: '限流测试',
        scopes: ['houses.read'],
        rateLimit: 4,
      });
      assert.equal(made.statusCode, 200, made.body);
      const limited: Key = made.json().result.data;
      // Two API servers over one database, as two processes behind one port (on PGlite two servers over the same
      // database, each with its own memory), both on a clock just past the start of a minute yet to come.
      const w0 = (Math.floor(Date.now() / 60_000) + 2) * 60_000;
      let t = w0 + 1_000;
      const one = await buildServer(platform, { openApiNow: () => t });
      const two = await buildServer(second ?? platform, { openApiNow: () => t });
      try {
        const nonces = Array.from({ length: 6 }, () => randomBytes(12).toString('hex'));
        const get = (via: FastifyInstance, nonce: string, timestamp = t) =>
          call(limited, 'GET', '/open/v1/houses', undefined, { via, nonce, timestamp });
        const spread = [];
        for (const [i, via] of [one, two, one, two, one, two].entries()) spread.push(await get(via, nonces[i]));
        assert.deepEqual(
          spread.map((r) => r.statusCode),
          [200, 200, 200, 200, 429, 429],
          'four a minute in total over both processes, not four each',
        );
        const refused = spread[4].json().error;
        assert.deepEqual(refused, {
          appCode: 'RATE_LIMITED',
          reason: 'rate_limited',
          messageZh: '请求过于频繁，请稍后再试',
          messageEn: 'Too many requests for this key; retry later',
          requestId: refused.requestId,
        });
        const [audited] = await platform.database.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.action, 'openapi.request'), eq(auditLog.requestId, refused.requestId)));
        assert.equal(audited.subject, `api:${limited.keyId}`);
        assert.equal(audited.result, 'denied');
        assert.deepEqual(audited.detail, {
          method: 'GET',
          status: 429,
          reason: 'rate_limited',
          keyId: limited.keyId,
        });
        const windows = () =>
          platform.database.db
            .select({ start: apiRateWindows.windowStart, count: apiRateWindows.count })
            .from(apiRateWindows)
            .where(eq(apiRateWindows.keyId, limited.keyId))
            .orderBy(apiRateWindows.windowStart);
        assert.deepEqual(await windows(), [{ start: new Date(w0), count: 6 }], 'one row per key and minute');

        t += 60_000;
        const next = [
          // A refused request did not spend its nonce: sent again within its timestamp window it is accepted.
          await get(two, nonces[4], w0 + 1_000),
          await get(one, nonces[0], w0 + 1_000),
          await get(one, randomBytes(12).toString('hex')),
          await get(two, randomBytes(12).toString('hex')),
          await get(one, randomBytes(12).toString('hex')),
        ];
        assert.deepEqual(
          next.map((r) => [r.statusCode, r.statusCode === 200 ? null : reason(r)]),
          [
            [200, null],
            [401, 'replayed_nonce'],
            [200, null],
            [200, null],
            [429, 'rate_limited'],
          ],
          'the next minute allows again; a replay counts towards the limit',
        );
        // Requests at the same moment through both processes: exactly the limit gets through.
        t += 60_000;
        const burst = await Promise.all(
          Array.from({ length: 10 }, (_, i) => get(i % 2 ? two : one, randomBytes(12).toString('hex'))),
        );
        assert.deepEqual(burst.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);
        // Windows that ended more than a minute ago are pruned; the current one stays.
        assert.ok((await pruneApiRateWindows(platform.database, new Date(t + 60_000))) >= 2);
        assert.deepEqual(await windows(), [{ start: new Date(w0 + 120_000), count: 10 }]);
      } finally {
        await one.close();
        await two.close();
      }
      const big = await call(full, 'POST', '/open/v1/people/tenants', tenant(4, { name: 'x'.repeat(70_000) }));
      assert.equal(big.statusCode, 413);
      assert.equal(reason(big), 'body_too_large');
    });

    const idIndex = (id: string) => platform.crypto.blindIndex('id_number', id);
    const personOf = async (id: string) =>
      (
        await platform.database.db
          .select()
          .from(people)
          .where(eq(people.idNumberIndex, idIndex(id)))
      )[0];
    const fieldsOf = (r: { json(): { error: { fieldErrors: Record<string, string[]> } } }) =>
      r.json().error.fieldErrors;
    /** Every field error carries its Chinese and its English message ("中文 / English"). */
    const bilingual = (errs: Record<string, string[]>, field: string) => {
      assert.ok(errs[field], `${field} in ${JSON.stringify(errs)}`);
      assert.match(errs[field][0], /[\u4e00-\u9fff].* \/ [A-Za-z]/, errs[field][0]);
    };

    test('exchange 6.3.2.2: a house upsert by address creates, updates the sent fields, and again changes nothing', async () => {
      const h = {
        compound: '示范小区',
        building: '8',
        unit: '1',
        floor: '2',
        room: '201',
        layout: '三室一厅',
        area: 89.5,
      };
      const first = await call(exchange, 'POST', '/open/v1/houses', h);
      assert.equal(first.statusCode, 201, first.body);
      const { id } = first.json();
      assert.equal(first.json().result, 'created');
      const [row] = await platform.database.db.select().from(houses).where(eq(houses.id, id));
      assert.equal(row.createdBy, `api:${exchange.keyId}`);
      assert.equal(row.area, 89.5);
      const again = await call(exchange, 'POST', '/open/v1/houses', h);
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual([again.json().id, again.json().result, again.json().version], [id, 'unchanged', 1]);
      const { layout: _, ...noLayout } = h;
      const moved = await call(exchange, 'POST', '/open/v1/houses', { ...noLayout, area: 90, ownership: 'commodity' });
      assert.deepEqual([moved.statusCode, moved.json().result, moved.json().version], [200, 'updated', 2]);
      const [after] = await platform.database.db.select().from(houses).where(eq(houses.id, id));
      assert.deepEqual(
        [after.layout, after.area, after.ownership],
        ['三室一厅', 90, 'commodity'],
        'left-out fields kept',
      );
      const history = await platform.database.db.select().from(changes).where(eq(changes.entityId, id));
      assert.deepEqual(
        history.map((c) => [c.version, c.actor, (c.diff as { fields: string[] }).fields]),
        [
          [1, `api:${exchange.keyId}`, ['area', 'building', 'compound', 'floor', 'layout', 'room', 'unit']],
          [2, `api:${exchange.keyId}`, ['area', 'ownership']],
        ],
      );
      const [audit] = await platform.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'base.house.update'), eq(auditLog.objectId, id)));
      assert.equal(audit.subject, `api:${exchange.keyId}`);
      const bad = await call(exchange, 'POST', '/open/v1/houses', { ...h, area: -1, floor: '', colour: 'red' });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(reason(bad), 'invalid_input');
      for (const f of ['area', 'floor', 'colour']) bilingual(fieldsOf(bad), f);
      const noCompound = await call(exchange, 'POST', '/open/v1/houses', { ...h, compound: '无此小区' });
      bilingual(fieldsOf(noCompound), 'compound');
      const array = await call(exchange, 'POST', '/open/v1/houses', [h]);
      assert.equal(array.statusCode, 400);
    });

    test('exchange 6.3.3.2: a vehicle upsert by plate + colour (GA 36); another owner is a merge proposal; masked reads', async () => {
      const car = { plate: '浙A12345', kind: 'temporary', compound: '示范小区', brand: '比亚迪', parkingMinutes: 30 };
      const first = await call(exchange, 'POST', '/open/v1/vehicles', car);
      assert.equal(first.statusCode, 201, first.body);
      const { id } = first.json();
      const [row] = await platform.database.db.select().from(vehicles).where(eq(vehicles.id, id));
      assert.deepEqual([row.plateColour, row.createdBy], ['blue', `api:${exchange.keyId}`]);
      const again = await call(exchange, 'POST', '/open/v1/vehicles', { ...car, plateColour: 'blue' });
      assert.deepEqual([again.statusCode, again.json().id, again.json().result], [200, id, 'unchanged']);
      const resident = await call(exchange, 'POST', '/open/v1/vehicles', {
        plate: '浙A12345',
        kind: 'resident',
        brand: '比亚迪',
        ownerIdNumber: idCard(1),
      });
      assert.equal(resident.statusCode, 200, resident.body);
      assert.deepEqual([resident.json().result, resident.json().proposed], ['updated', 1]);
      const [after] = await platform.database.db.select().from(vehicles).where(eq(vehicles.id, id));
      assert.deepEqual([after.kind, after.parkingMinutes, after.ownerPersonId], ['resident', null, null]);
      const [proposal] = await platform.database.db
        .select()
        .from(mergeProposals)
        .where(eq(mergeProposals.targetId, id));
      assert.deepEqual(
        [proposal.status, proposal.fields, proposal.source],
        ['pending', ['ownerPersonId'], `api:${exchange.keyId}`],
      );
      const badPlate = await call(exchange, 'POST', '/open/v1/vehicles', { plate: '浙A1234', kind: 'resident' });
      assert.equal(badPlate.statusCode, 400, badPlate.body);
      bilingual(fieldsOf(badPlate), 'plate');
      const unknownOwner = await call(exchange, 'POST', '/open/v1/vehicles', {
        plate: '浙A12345',
        kind: 'resident',
        brand: '丰田',
        ownerIdNumber: idCard(99),
      });
      assert.equal(unknownOwner.statusCode, 400);
      bilingual(fieldsOf(unknownOwner), 'ownerIdNumber');
      const [unchanged] = await platform.database.db.select().from(vehicles).where(eq(vehicles.id, id));
      assert.equal(unchanged.brand, '比亚迪', 'a refused upsert writes nothing');
      const list = await call(exchange, 'GET', `/open/v1/vehicles?plate=${encodeURIComponent('浙A')}`);
      assert.equal(list.statusCode, 200, list.body);
      assert.deepEqual(
        list.json().items.map((v: { plate: string }) => v.plate),
        ['浙A12345'],
      );
      assert.ok(!list.body.includes(idCard(1)), 'no owner ID number in reads');
    });

    test('exchange 6.3.4.2: a public space upsert by name, checked against space.schema.json; reads', async () => {
      const space = { name: '邻里中心', useType: 'neighbourhood_center', area: 500, location: '7幢南侧' };
      const first = await call(exchange, 'POST', '/open/v1/spaces', space);
      assert.equal(first.statusCode, 201, first.body);
      const { id } = first.json();
      const again = await call(exchange, 'POST', '/open/v1/spaces', space);
      assert.deepEqual([again.statusCode, again.json().result], [200, 'unchanged']);
      const bigger = await call(exchange, 'POST', '/open/v1/spaces', {
        name: '邻里中心',
        useType: 'neighbourhood_center',
        area: 650,
      });
      assert.deepEqual([bigger.statusCode, bigger.json().result, bigger.json().version], [200, 'updated', 2]);
      const [row] = await platform.database.db.select().from(spaces).where(eq(spaces.id, id));
      assert.deepEqual([row.area, row.location, row.updatedBy], [650, '7幢南侧', `api:${exchange.keyId}`]);
      const bad = await call(exchange, 'POST', '/open/v1/spaces', { name: '邻里中心', useType: 'mall', lat: 99 });
      assert.equal(bad.statusCode, 400);
      for (const f of ['useType', 'lat']) bilingual(fieldsOf(bad), f);
      const list = await call(exchange, 'GET', `/open/v1/spaces?name=${encodeURIComponent('邻里')}`);
      assert.equal(list.statusCode, 200, list.body);
      assert.deepEqual(
        list.json().items.map((s: { name: string; fields: { area: number } }) => [s.name, s.fields.area]),
        [['邻里中心', 650]],
      );
    });

    test('exchange 6.3.1.2: occupants recorded by the owner or on an owner’s authorisation; others refused', async () => {
      const at = { ...house, room: '302', validFrom: '2020-01-01' };
      const occupant = (seq: number, role: string, extra: Record<string, unknown> = {}) => ({
        name: `住户${seq}`,
        idType: 'id_card',
        idNumber: idCard(seq),
        ...at,
        role,
        ...extra,
      });
      const owner = await call(exchange, 'POST', '/open/v1/people/occupants', occupant(20, 'owner'));
      assert.equal(owner.statusCode, 201, owner.body);
      assert.deepEqual(
        [owner.json().person, owner.json().occupancy, owner.json().authorisedBy],
        ['created', 'created', null],
      );
      const ownerId = owner.json().personId;
      const missing = await call(exchange, 'POST', '/open/v1/people/occupants', occupant(21, 'family'));
      assert.equal(missing.statusCode, 400, missing.body);
      bilingual(fieldsOf(missing), 'authorisingOwnerIdNumber');
      for (const by of [idCard(22), idCard(1)]) {
        // An unknown person, then a tenant of another house: neither is an owner of 302 on record.
        const refused = await call(
          exchange,
          'POST',
          '/open/v1/people/occupants',
          occupant(21, 'family', { authorisingOwnerIdNumber: by }),
        );
        assert.equal(refused.statusCode, 403, refused.body);
        assert.equal(reason(refused), 'not_authorised');
        assert.ok(refused.json().error.messageZh && refused.json().error.messageEn);
        bilingual(fieldsOf(refused), 'authorisingOwnerIdNumber');
      }
      assert.equal(await personOf(idCard(21)), undefined, 'a refused occupant leaves no person behind');
      const coOwner = await call(exchange, 'POST', '/open/v1/people/occupants', occupant(23, 'owner'));
      assert.equal(coOwner.statusCode, 403, 'a second owner needs the first one’s authorisation');
      const family = await call(
        exchange,
        'POST',
        '/open/v1/people/occupants',
        occupant(21, 'family', { authorisingOwnerIdNumber: idCard(20), phone: '13800000021' }),
      );
      assert.equal(family.statusCode, 201, family.body);
      assert.equal(family.json().authorisedBy, ownerId);
      const [occ] = await platform.database.db
        .select()
        .from(occupancies)
        .where(eq(occupancies.id, family.json().occupancyId));
      assert.deepEqual([occ.role, occ.validFrom, occ.createdBy], ['family', '2020-01-01', `api:${exchange.keyId}`]);
      const [audit] = await platform.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'base.occupancy.create'), eq(auditLog.objectId, occ.id)));
      assert.equal((audit.detail as { authorisedBy: string }).authorisedBy, ownerId);
      assert.equal(audit.subject, `api:${exchange.keyId}`);
      const again = await call(
        exchange,
        'POST',
        '/open/v1/people/occupants',
        occupant(21, 'family', { authorisingOwnerIdNumber: idCard(20), phone: '13800000021' }),
      );
      assert.deepEqual(
        [again.statusCode, again.json().person, again.json().occupancy],
        [200, 'unchanged', 'unchanged'],
      );
      const newPhone = await call(
        exchange,
        'POST',
        '/open/v1/people/occupants',
        occupant(21, 'family', { authorisingOwnerIdNumber: idCard(20), phone: '13800000022' }),
      );
      assert.deepEqual([newPhone.statusCode, newPhone.json().person], [200, 'updated'], 'an occupant of this house');
      // The tenant of 301 is known to the community but does not live in 302: their record is not overwritten.
      const other = await call(
        exchange,
        'POST',
        '/open/v1/people/occupants',
        occupant(1, 'other', { name: '改名者', authorisingOwnerIdNumber: idCard(20) }),
      );
      assert.deepEqual([other.statusCode, other.json().person, other.json().proposed], [201, 'proposed', 1]);
      assert.equal((await personOf(idCard(1))).name, '租客甲');
      const badId = await call(
        exchange,
        'POST',
        '/open/v1/people/occupants',
        occupant(24, 'tenant', {
          idNumber: '330106199001010000',
          role: 'lodger',
          authorisingOwnerIdNumber: idCard(20),
        }),
      );
      assert.equal(badId.statusCode, 400);
      for (const f of ['idNumber', 'role']) bilingual(fieldsOf(badId), f);
    });

    test('exchange 6.3.1.3: 基层智治 updates party membership and staff category; unknown people need a name', async () => {
      const party = await call(exchange, 'POST', '/open/v1/people/roles', { idNumber: idCard(20), partyMember: true });
      assert.equal(party.statusCode, 200, party.body);
      assert.equal(party.json().result, 'updated');
      const p = await personOf(idCard(20));
      assert.deepEqual([p.partyMember, p.updatedBy], [true, `api:${exchange.keyId}`]);
      const [hist] = await platform.database.db
        .select()
        .from(changes)
        .where(and(eq(changes.entityId, p.id), eq(changes.version, p.version)));
      assert.deepEqual((hist.diff as { fields: string[] }).fields, ['partyMember']);
      const again = await call(exchange, 'POST', '/open/v1/people/roles', { idNumber: idCard(20), partyMember: true });
      assert.deepEqual([again.statusCode, again.json().result], [200, 'unchanged']);
      const nothing = await call(exchange, 'POST', '/open/v1/people/roles', { idNumber: idCard(20) });
      assert.equal(nothing.statusCode, 400);
      const badCategory = await call(exchange, 'POST', '/open/v1/people/roles', {
        idNumber: idCard(20),
        category: 'janitor',
      });
      bilingual(fieldsOf(badCategory), 'category');
      const unknown = await call(exchange, 'POST', '/open/v1/people/roles', {
        idNumber: idCard(30),
        category: 'grid_worker',
      });
      assert.equal(unknown.statusCode, 400);
      bilingual(fieldsOf(unknown), 'idNumber');
      const staff = await call(exchange, 'POST', '/open/v1/people/roles', {
        idNumber: idCard(30),
        idType: 'id_card',
        name: '网格员丙',
        category: 'grid_worker',
        partyMember: true,
      });
      assert.equal(staff.statusCode, 201, staff.body);
      const s = await personOf(idCard(30));
      assert.deepEqual([s.category, s.partyMember, s.createdBy], ['grid_worker', true, `api:${exchange.keyId}`]);
    });

    test('exchange refusals: scope not granted, wrong signature, tampered body', async () => {
      const h = { compound: '示范小区', building: '8', unit: '1', floor: '2', room: '9202' };
      for (const [method, url] of [
        ['POST', '/open/v1/houses'],
        ['POST', '/open/v1/vehicles'],
        ['POST', '/open/v1/spaces'],
        ['POST', '/open/v1/people/occupants'],
        ['POST', '/open/v1/people/roles'],
        ['GET', '/open/v1/vehicles'],
        ['GET', '/open/v1/spaces'],
      ] as const) {
        const r = await call(full, method, url, method === 'POST' ? h : undefined);
        assert.equal(r.statusCode, 403, `${url}: ${r.body}`);
        assert.equal(reason(r), 'scope_not_granted');
      }
      const badSig = await call({ keyId: exchange.keyId, secret: 'not-the-secret' }, 'POST', '/open/v1/houses', h);
      assert.equal(badSig.statusCode, 401);
      assert.equal(reason(badSig), 'bad_signature');
      const tampered = await call(
        exchange,
        'POST',
        '/open/v1/people/roles',
        { idNumber: idCard(20), partyMember: true },
        {
          sendBody: JSON.stringify({ idNumber: idCard(20), partyMember: false }),
        },
      );
      assert.equal(reason(tampered), 'bad_signature');
      assert.equal((await personOf(idCard(20))).partyMember, true);
      const none = await platform.database.db.select().from(houses).where(eq(houses.room, '9202'));
      assert.equal(none.length, 0, 'refused requests write nothing');
    });

    test('rotation keeps the old secret for the grace window only; a disabled key is refused', async () => {
      const rotated = await client.send('operator', 'openapi.clients.rotate', {
        community: 'demo',
        id: full.id,
        graceMinutes: 60,
      });
      assert.equal(rotated.statusCode, 200, rotated.body);
      const next: Key = rotated.json().result.data;
      assert.equal(next.keyId, full.keyId);
      assert.notEqual(next.secret, full.secret);
      assert.equal((await call(full, 'GET', '/open/v1/houses')).statusCode, 200, 'old secret within grace');
      assert.equal((await call(next, 'GET', '/open/v1/houses')).statusCode, 200, 'new secret');
      await platform.database.db
        .update(apiClients)
        .set({ previousValidUntil: sql`now() - interval '1 second'` })
        .where(eq(apiClients.id, full.id));
      const late = await call(full, 'GET', '/open/v1/houses');
      assert.equal(reason(late), 'bad_signature', 'old secret after grace');
      assert.equal((await call(next, 'GET', '/open/v1/houses')).statusCode, 200);
      const off = await client.send('operator', 'openapi.clients.disable', { community: 'demo', id: full.id });
      assert.equal(off.statusCode, 200, off.body);
      const refused = await call(next, 'GET', '/open/v1/houses');
      assert.equal(refused.statusCode, 401);
      assert.equal(reason(refused), 'disabled_key');
    });

    test('every call is audited with key, path, result and source IP; client management too', async () => {
      const rows = await platform.database.db.select().from(auditLog).where(eq(auditLog.action, 'openapi.request'));
      const reasons = new Set(rows.map((r) => (r.detail as { reason: string | null }).reason));
      for (const r of [
        'missing_headers',
        'unknown_key',
        'bad_signature',
        'timestamp_skew',
        'replayed_nonce',
        'scope_not_granted',
        'rate_limited',
        'body_too_large',
        'invalid_input',
        'not_authorised',
        'disabled_key',
        null,
      ]) {
        assert.ok(reasons.has(r as string), `audited: ${r}`);
      }
      const ok = rows.find((r) => r.result === 'success' && r.objectId === '/open/v1/people/tenants');
      assert.equal(ok?.subject, `api:${full.keyId}`);
      assert.ok(ok?.sourceIp);
      assert.ok(rows.some((r) => r.result === 'denied' && r.subject === `api:${full.keyId}`));
      const list = await client.send('operator', 'openapi.clients.list', { community: 'demo' }, 'query');
      const listed = list.json().result.data.find((c: { keyId: string }) => c.keyId === full.keyId);
      assert.ok(listed.lastUsedAt, 'last use recorded');
      assert.equal(listed.enabled, false);
      const mgmt = await platform.database.db
        .select({ a: auditLog.action })
        .from(auditLog)
        .where(sql`${auditLog.action} like 'openapi.client.%'`);
      assert.deepEqual([...new Set(mgmt.map((m) => m.a))].sort(), [
        'openapi.client.create',
        'openapi.client.disable',
        'openapi.client.rotate',
      ]);
    });

    test('clients, nonces and request counts are community rows under row-level security', async () => {
      const other = { kind: 'communities' as const, ids: ['00000000-0000-4000-8000-000000000001'] };
      const [demo] = await platform.database.db.select().from(regions).where(eq(regions.code, 'demo'));
      const mine = { kind: 'communities' as const, ids: [demo.id] };
      const count = (scope: typeof mine) =>
        withScope(platform.database.db, scope, async (tx) => [
          (await tx.select().from(apiClients)).length,
          (await tx.select().from(apiNonces)).length,
          (await tx.select().from(apiRateWindows)).length,
        ]);
      const [clients, nonces, counts] = await count(mine);
      assert.ok(clients >= 2 && nonces >= 1 && counts >= 1);
      assert.deepEqual(await count(other), [0, 0, 0]);
    });

    test('expired nonces are pruned; live ones stay', async () => {
      const before = (await platform.database.db.select().from(apiNonces)).length;
      const [demo] = await platform.database.db.select().from(regions).where(eq(regions.code, 'demo'));
      await platform.database.db.insert(apiNonces).values({
        keyId: full.keyId,
        nonce: 'expired-nonce-0000000',
        communityId: demo.id,
        expiresAt: new Date(Date.now() - 1000),
      });
      assert.equal(await pruneApiNonces(platform.database), 1);
      assert.equal((await platform.database.db.select().from(apiNonces)).length, before);
    });

    test('openapi.json describes exactly the registered routes', async () => {
      const res = await app.inject({ url: '/open/v1/openapi.json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.equal(doc.openapi, '3.1.0');
      const described = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ms]) =>
        Object.keys(ms).map((m) => `${m} ${p}`),
      );
      assert.deepEqual(described.sort(), openApiPaths.map(([m, p]) => `${m} ${p}`).sort());
      for (const [m, p] of openApiPaths) assert.ok(app.hasRoute({ method: m.toUpperCase() as 'GET', url: p }), p);
      assert.ok(doc.components.schemas.TenantInput.properties.idNumber);
      assert.deepEqual(doc.components.schemas.TenantInput.required.includes('validFrom'), true);
      // The exchange bodies are the schemas of `schemas/` themselves: one source of truth.
      const { $schema: _, ...house } = baseSchemas.house;
      assert.deepEqual(doc.components.schemas.House, house);
      assert.deepEqual(doc.components.schemas.Occupant.properties.idNumber, baseSchemas.person.properties?.idNumber);
      assert.deepEqual(doc.components.schemas.PersonRoles.required, exchangeSchemas.personRoles.required);
      assert.equal(
        doc.paths['/open/v1/vehicles'].post.requestBody.content['application/json'].schema.$ref,
        '#/components/schemas/Vehicle',
      );
    });
  });
}
