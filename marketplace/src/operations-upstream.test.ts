// Operations reports pushed upstream (DB33 8.1.2): a downstream catalog pushes its signed daily report to the upstream
// it follows over loopback HTTP; the upstream checks it against the key registered for that downstream, stores it once,
// and shows it to its government roles by jurisdiction. Two databases per engine, one per catalog.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AppError, communityDayStart, hasPermission, type RoleGrant } from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import { marketDownstreamReports, regions, testEngines } from '@shequ/db';
import { HandlerMetrics } from '@shequ/runtime';
import { operationsReportProblems } from '@shequ/schemas';
import { eq } from 'drizzle-orm';
import type { Market } from './context.ts';
import { addUpstream } from './federation-upstreams.ts';
import { deliverDue, deliverReport, listDeliveries } from './operations-delivery.ts';
import {
  addDownstream,
  downstreamReports,
  listDownstreams,
  receiveOperationsReport,
  removeDownstream,
} from './operations-downstreams.ts';
import { issueOperationsReport } from './operations-report.ts';
import { canonicalJson, loadPlatformKey, signBody } from './platform-key.ts';

const is = (code: string, pattern?: RegExp) => (e: AppError) => {
  assert.equal(e.code, code, e.message);
  assert.ok(e.messageZh.length > 0);
  if (pattern) assert.match(e.messageEn, pattern);
  return true;
};

const at = (d: string, hours: number) => new Date((communityDayStart(d) as Date).getTime() + hours * 3_600_000);

/** The upstream's receiving route as the API serves it: JSON in, `{ stored }` or the error shape out. */
function upstreamServer(m: () => Market) {
  const state = { down: false, url: '' };
  const server: Server = createServer(async (req, res) => {
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    res.setHeader('content-type', 'application/json');
    try {
      const r = await receiveOperationsReport(m(), JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.end(JSON.stringify(r));
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('INTERNAL', { zh: '内部错误', en: String(err) });
      res.statusCode = e.status;
      res.end(JSON.stringify({ error: { appCode: e.code, messageZh: e.messageZh, messageEn: e.messageEn } }));
    }
  });
  return { server, state };
}

for (const engine of testEngines()) {
  describe(`operations reports to upstream (DB33 8.1.2) [${engine}]`, () => {
    let down: Awaited<ReturnType<typeof demoFixture>>;
    let up: Awaited<ReturnType<typeof demoFixture>>;
    let clock = at('2026-03-11', 2);
    let downM: Market;
    let upM: Market;
    let upstreamId = '';
    let districtPath = '';
    let streetPath = '';
    const admin = { subject: 'platform-admin', admin: true };
    const receiver = upstreamServer(() => upM);
    const official = (role: 'gov_street' | 'gov_district', regionPath: string | null): RoleGrant[] => [
      { role, regionId: null, regionPath, regionName: null, regionCode: null, regionLevel: null },
    ];
    const within = (grants: RoleGrant[]) => (path: string) => hasPermission(grants, 'market.metrics.read', path);
    const storedDays = async () =>
      (await up.database.db.select().from(marketDownstreamReports)).map((r) => r.day).sort();

    before(async () => {
      down = await demoFixture(engine);
      up = await demoFixture(engine);
      downM = {
        database: down.database,
        crypto: down.crypto,
        catalog: { id: 'hz-city', upstreamHosts: ['127.0.0.1'], now: () => clock, timeoutMs: 2000 },
      };
      upM = {
        database: up.database,
        crypto: up.crypto,
        catalog: { id: 'zj-province', upstreamHosts: [], now: () => clock },
      };
      await new Promise<void>((r) => receiver.server.listen(0, '127.0.0.1', r));
      receiver.state.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;

      // The downstream follows the upstream (pinning its key); the upstream's administrator registers the downstream
      // with the key its operators read off `market.upstreams.catalogKey`, under the district of the upstream's tree.
      const upKey = await loadPlatformKey(up.database.db, up.crypto);
      const downKey = await loadPlatformKey(down.database.db, down.crypto);
      upstreamId = (await addUpstream(downM, admin, { url: receiver.state.url, key: upKey.publicKey })).id;
      await addDownstream(upM, admin, {
        catalogId: 'hz-city',
        name: '杭州市目录',
        key: downKey.publicKey,
        region: '330106',
      });
      const [district] = await up.database.db.select().from(regions).where(eq(regions.code, '330106'));
      const [street] = await up.database.db.select().from(regions).where(eq(regions.code, '330106001'));
      districtPath = district.path;
      streetPath = street.path;

      // The downstream's figures: 4 calls (one failing) on 2026-03-10, 2 calls on 2026-03-11.
      const metrics = new HandlerMetrics();
      for (let i = 0; i < 4; i++)
        metrics.record(
          down.demo,
          'org.acme.board',
          '1.0.0',
          'list',
          30,
          i > 0,
          at('2026-03-10', 10).getTime(),
          `u${i}`,
        );
      for (let i = 0; i < 2; i++)
        metrics.record(down.demo, 'org.acme.board', '1.0.0', 'list', 30, true, at('2026-03-11', 10).getTime(), 'u1');
      await metrics.flush(down.database.db);
    });
    after(async () => {
      await new Promise((r) => receiver.server.close(r));
      await down?.database.close();
      await up?.database.close();
    });

    test('the downstream pushes yesterday’s signed report; the upstream stores it once (a resend dedupes)', async () => {
      clock = at('2026-03-11', 2);
      const made = await deliverDue(downM);
      assert.deepEqual(
        made.map((d) => [d.day, d.status, d.httpStatus]),
        [['2026-03-10', 'delivered', 200]],
      );
      assert.deepEqual(await storedDays(), ['2026-03-10']);
      const [row] = await up.database.db.select().from(marketDownstreamReports);
      const board = (row.report as { apps: { pluginId: string; calls: number; errors: number }[] }).apps[0];
      assert.deepEqual([row.catalogId, board.pluginId, board.calls, board.errors], ['hz-city', 'org.acme.board', 4, 1]);

      // Sent again by hand: the upstream answers that it has it; nothing stored twice. The job sends it no more.
      const again = await deliverReport(downM, upstreamId, '2026-03-10');
      assert.equal(again.status, 'duplicate');
      assert.deepEqual(await storedDays(), ['2026-03-10']);
      assert.deepEqual(await deliverDue(downM), []);
    });

    test('the issued report is valid against the schema the upstream checks with; shape errors name the pointer', async () => {
      const signed = await issueOperationsReport(downM, '2026-03-10');
      assert.ok(signed.report.apps[0].communities.length > 0, 'the figures go down to communities');
      assert.deepEqual(operationsReportProblems(signed), []);
      assert.deepEqual(operationsReportProblems(JSON.parse(JSON.stringify(signed))), []);

      const bad = structuredClone(signed) as unknown as {
        report: { day: string; apps: { calls: number; name: unknown }[]; extra?: number };
        signature?: string;
      };
      bad.report.day = '2026-02-30';
      bad.report.apps[0].calls = -1;
      bad.report.apps[0].name = 'board';
      delete bad.signature;
      const err = await receiveOperationsReport(upM, bad).then(
        () => assert.fail('a malformed report is refused'),
        (e: AppError) => e,
      );
      assert.equal(err.code, 'INVALID_INPUT');
      assert.deepEqual(Object.keys(err.fieldErrors ?? {}).sort(), [
        '/report/apps/0/calls',
        '/report/apps/0/name',
        '/report/day',
        '/signature',
      ]);
      assert.match(err.messageEn, /\/report\/day must match format "date"/);
      assert.match(err.messageZh, /\/report\/apps\/0\/calls 应当为 >= 0/);
      assert.match(err.messageZh, /\/signature 应当有必需属性 signature/);
      // A property the contract does not know is refused too (the signed body is exactly the contract).
      const extra = structuredClone(signed) as unknown as { report: Record<string, unknown> };
      extra.report.extra = 1;
      assert.deepEqual(
        operationsReportProblems(extra).map((p) => p.pointer),
        ['/report/extra'],
      );
      assert.deepEqual(
        operationsReportProblems('nonsense').map((p) => [p.pointer, p.en]),
        [['/', 'must be object']],
      );
    });

    test('tampered, unknown, malformed and future reports are refused and nothing is stored', async () => {
      const signed = await issueOperationsReport(downM, '2026-03-10');
      const tampered = structuredClone(signed);
      tampered.report.apps[0].calls += 100;
      await assert.rejects(receiveOperationsReport(upM, tampered), is('FORBIDDEN', /signature is not valid/));

      // Over HTTP the refusal carries the upstream's message (what the downstream records).
      const key = await loadPlatformKey(down.database.db, down.crypto);
      const res = await fetch(`${receiver.state.url}/api/market/operations-reports`, {
        method: 'POST',
        body: JSON.stringify(tampered),
      });
      assert.equal(res.status, 403);
      assert.match(((await res.json()) as { error: { messageZh: string } }).error.messageZh, /签名无效/);

      const other = { ...signed.report, catalogId: 'nb-city' };
      await assert.rejects(
        receiveOperationsReport(upM, { report: other, signature: signBody(key, canonicalJson(other)) }),
        is('FORBIDDEN', /not registered as a downstream/),
      );
      await assert.rejects(receiveOperationsReport(upM, { report: { day: '2026-03-10' } }), is('INVALID_INPUT'));
      await assert.rejects(receiveOperationsReport(upM, 'nonsense'), is('INVALID_INPUT', /malformed/));
      const future = { ...signed.report, day: '2026-03-12' };
      await assert.rejects(
        receiveOperationsReport(upM, { report: future, signature: signBody(key, canonicalJson(future)) }),
        is('INVALID_INPUT', /after today/),
      );
      assert.deepEqual(await storedDays(), ['2026-03-10']);
      // What was received stays as received (migration 0055).
      await assert.rejects(up.database.db.update(marketDownstreamReports).set({ day: '2026-03-01' }), (e: Error) =>
        /append-only/.test(String((e.cause as Error | undefined)?.message ?? e.message)),
      );
    });

    test('upstream down: the attempt is recorded as failed and retried after its backoff', async () => {
      clock = at('2026-03-12', 2);
      receiver.state.down = true;
      const first = await deliverDue(downM);
      assert.deepEqual(
        first.map((d) => [d.day, d.status]),
        [['2026-03-11', 'failed']],
      );
      assert.match(first[0].error?.en ?? '', /cannot be reached/);
      assert.deepEqual(await deliverDue(downM), [], 'within the 5-minute backoff nothing is sent');
      clock = new Date(clock.getTime() + 6 * 60_000);
      assert.deepEqual(
        (await deliverDue(downM)).map((d) => d.status),
        ['failed'],
      );
      clock = new Date(clock.getTime() + 6 * 60_000);
      assert.deepEqual(await deliverDue(downM), [], 'the second backoff is 10 minutes');
      receiver.state.down = false;
      clock = new Date(clock.getTime() + 5 * 60_000);
      assert.deepEqual(
        (await deliverDue(downM)).map((d) => [d.day, d.status]),
        [['2026-03-11', 'delivered']],
      );
      assert.deepEqual(await storedDays(), ['2026-03-10', '2026-03-11']);
      const log = await listDeliveries(downM);
      assert.deepEqual(
        log.filter((d) => d.day === '2026-03-11').map((d) => d.status),
        ['delivered', 'failed', 'failed'],
      );
      assert.equal(log[0].upstreamUrl, receiver.state.url);
    });

    test('government roles of the upstream see the downstream’s figures within their jurisdiction', async () => {
      const win = { from: '2026-03-01', to: '2026-03-31' };
      const [seen] = await downstreamReports(upM, within(official('gov_district', districtPath)), win);
      assert.equal(seen.catalogId, 'hz-city');
      assert.deepEqual(
        seen.days.map((d) => [d.day, d.calls, d.errors, d.activeUsers]),
        [
          ['2026-03-11', 2, 0, 1],
          ['2026-03-10', 4, 1, 4],
        ],
      );
      assert.deepEqual([seen.totals.days, seen.totals.calls, seen.totals.errors], [2, 6, 1]);
      assert.equal(seen.days[1].perApp[0].pluginId, 'org.acme.board');
      assert.deepEqual(await downstreamReports(upM, within(official('gov_street', streetPath)), win), []);
      assert.equal((await downstreamReports(upM, () => true, win)).length, 1);
      await assert.rejects(
        downstreamReports(upM, () => true, { from: '2026-03-31', to: '2026-03-01' }),
        is('INVALID_INPUT'),
      );
    });

    test('a deactivated downstream is refused with FORBIDDEN; registering it again with its key reactivates it', async () => {
      const [reg] = await listDownstreams(upM);
      const off = await removeDownstream(upM, admin, reg.id);
      assert.equal(off.active, false);
      await assert.rejects(removeDownstream(upM, admin, reg.id), is('NOT_FOUND'));
      const signed = await issueOperationsReport(downM, '2026-03-10');
      await assert.rejects(receiveOperationsReport(upM, signed), is('FORBIDDEN', /not registered as a downstream/));
      // The refusal reaches the downstream's delivery log as a failure with the upstream's reason.
      const sent = await deliverReport(downM, upstreamId, '2026-03-10');
      assert.deepEqual([sent.status, sent.httpStatus], ['failed', 403]);
      assert.match(sent.error?.en ?? '', /not registered as a downstream/);

      const downKey = await loadPlatformKey(down.database.db, down.crypto);
      const back = await addDownstream(upM, admin, {
        catalogId: 'hz-city',
        name: '杭州市目录',
        key: downKey.publicKey,
      });
      assert.deepEqual([back.id, back.active], [reg.id, true]);
      assert.equal((await receiveOperationsReport(upM, signed)).stored, false, 'the same report, already here');
      // The registration form shows the service's refusals under the field they are about.
      const fieldOf = (e: AppError) => Object.keys(e.fieldErrors ?? {});
      const tries: [Parameters<typeof addDownstream>[2], string, string][] = [
        [{ catalogId: 'hz-city', name: 'x', key: downKey.publicKey }, 'CONFLICT', 'catalogId'],
        [{ catalogId: 'Bad Id', name: 'x', key: downKey.publicKey }, 'INVALID_INPUT', 'catalogId'],
        [{ catalogId: 'nb-city', name: 'x', key: 'not a key at all' }, 'INVALID_INPUT', 'key'],
        [{ catalogId: 'nb-city', name: 'x', key: downKey.publicKey, region: '999999' }, 'NOT_FOUND', 'region'],
      ];
      for (const [input, code, field] of tries)
        await assert.rejects(addDownstream(upM, admin, input), (e: AppError) => {
          assert.deepEqual([e.code, fieldOf(e)], [code, [field]]);
          assert.match(e.fieldErrors?.[field]?.[0] ?? '', /[\u4e00-\u9fff].* \/ [A-Za-z]/);
          return true;
        });
    });
  });
}
