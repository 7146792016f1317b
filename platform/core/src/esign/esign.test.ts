import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Database,
  esignCertificates,
  esignCodes,
  esignDocuments,
  esignTrail,
  testEngines,
  withScope,
} from '@shequ/db';
import { and, eq, sql } from 'drizzle-orm';
import { demoFixture } from '../basedata/testing.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { devSinks } from '../messaging/channel.ts';
import { inboxOf } from '../messaging/send.ts';
import { type PlatformCa, platformCa } from './ca.ts';
import {
  createDocument,
  declineDocument,
  documentPdf,
  type EsignDeps,
  expireDueDocuments,
  getDocument,
  listDocuments,
  type Signer,
  verifyUpload,
} from './documents.ts';
import { hasCriticalTimestampingEku } from './pki.ts';
import { CODE_MAX_ATTEMPTS, requestCode, signDocument } from './signing.ts';
import { archiveContractTemplate, type ContractTemplateInput, saveContractTemplate } from './templates.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
const resident = (n: number): Signer => ({
  subject: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  userId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  role: 'resident',
});
const operator = { subject: 'operator-1', role: 'community_admin' };
const template: ContractTemplateInput = {
  name: '车位租赁合同',
  body: '出租方：示范小区物业服务中心\n承租方：{{name}}\n车位编号：{{slot}}\n租期：{{term}}\n月租金：{{rent}} 元',
  variables: [
    { key: 'name', label: '承租人', required: true },
    { key: 'slot', label: '车位编号', required: true },
    { key: 'term', label: '租期', required: true },
    { key: 'rent', label: '月租金', required: false },
  ],
  validDays: 7,
};

for (const engine of testEngines()) {
  describe(`e-signature service [${engine}]`, () => {
    let database: Database;
    let crypto: FieldCrypto;
    let demo: string;
    let d: EsignDeps;
    let clock = Date.now();
    let ca: Promise<PlatformCa> | undefined;
    /** The last code in the signer's inbox (the SMS sink needs a registered phone; these test signers have none). */
    const lastCode = async (s: Signer) => {
      const box = await inboxOf(database.db, demo, s.userId);
      return /验证码 (\d{6})/.exec(box.items.find((m) => m.titleZh === '合同签署验证码')?.bodyZh ?? '')?.[1] ?? '';
    };

    before(async () => {
      ({ database, demo, crypto } = await demoFixture(engine));
      const adapters = devSinks();
      d = {
        db: database.db,
        crypto,
        ca: () => (ca ??= platformCa(database.db, crypto)),
        messages: { db: database.db, adapters, now: () => new Date(clock) },
        now: () => new Date(clock),
      };
    });
    after(() => database.close());

    test('the platform CA is created once, keys encrypted, and invisible to the application role', async () => {
      const first = await d.ca();
      const again = await platformCa(database.db, crypto);
      assert.equal(again.root.der.toString('hex'), first.root.der.toString('hex'));
      assert.equal(hasCriticalTimestampingEku(first.tsaCert.cert), true);
      const rows = await database.db.select().from(esignCertificates);
      assert.equal(rows.length, 3);
      for (const r of rows) assert.match(r.keyEnvelope, /^e1\./);
      const seen = await withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
        tx.select().from(esignCertificates),
      );
      assert.equal(seen.length, 0);
    });

    test('templates: variables must match the body; archive', async () => {
      await assert.rejects(
        saveContractTemplate(database.db, demo, { ...template, variables: template.variables.slice(1) }, operator),
        (e) => code(e) === 'INVALID_INPUT' && /name/.test((e as AppError).messageEn),
      );
      const t = await saveContractTemplate(database.db, demo, { ...template, name: '临时' }, operator);
      const archived = await archiveContractTemplate(database.db, demo, t.id, operator);
      assert.equal(archived.status, 'archived');
      await assert.rejects(
        createDocument(
          d,
          demo,
          {
            templateId: t.id,
            signerUserId: resident(1).userId,
            signerName: '张三',
            values: { name: '张三', slot: 'A-1', term: '一年' },
          },
          operator,
        ),
        (e) => code(e) === 'CONFLICT',
      );
    });

    test('send → one-time code → sign → verify; wrong codes count; the signed document is final', async () => {
      const t = await saveContractTemplate(database.db, demo, template, operator);
      await assert.rejects(
        createDocument(
          d,
          demo,
          { templateId: t.id, signerUserId: resident(1).userId, signerName: '张三', values: { name: '张三' } },
          operator,
        ),
        (e) => code(e) === 'INVALID_INPUT' && /车位编号/.test((e as AppError).messageZh),
      );
      const doc = await createDocument(
        d,
        demo,
        {
          templateId: t.id,
          signerUserId: resident(1).userId,
          signerName: '张三',
          values: { name: '张三', slot: 'B2-017', term: '2027年1月1日至2027年12月31日', rent: '300' },
        },
        operator,
      );
      assert.equal(doc.status, 'sent');
      assert.deepEqual(
        (await listDocuments(database.db, demo, { signerUserId: resident(1).userId })).map((x) => x.id),
        [doc.id],
      );

      // Someone else cannot ask for a code, see or sign it.
      await assert.rejects(requestCode(d, demo, doc.id, resident(2)), (e) => code(e) === 'FORBIDDEN');
      await assert.rejects(getDocument(database.db, demo, doc.id, resident(2).userId), (e) => code(e) === 'NOT_FOUND');

      const sent = await requestCode(d, demo, doc.id, resident(1));
      assert.ok(Date.parse(sent.expiresAt) > clock);
      const good = await lastCode(resident(1));
      assert.match(good, /^\d{6}$/);
      const [stored] = await database.db.select().from(esignCodes).where(eq(esignCodes.documentId, doc.id));
      assert.ok(!stored.codeHash.includes(good));
      await assert.rejects(requestCode(d, demo, doc.id, resident(1)), (e) => code(e) === 'RATE_LIMITED');

      const wrong = good === '000000' ? '111111' : '000000';
      await assert.rejects(
        signDocument(d, demo, doc.id, wrong, resident(1)),
        (e) => code(e) === 'INVALID_INPUT' && /还可尝试 4 次/.test((e as AppError).messageZh),
      );
      const [afterWrong] = await database.db.select().from(esignCodes).where(eq(esignCodes.documentId, doc.id));
      assert.equal(afterWrong.attempts, 1);
      assert.equal((await getDocument(database.db, demo, doc.id)).status, 'sent');

      const signed = await signDocument(d, demo, doc.id, good, resident(1));
      assert.equal(signed.status, 'signed');
      await assert.rejects(signDocument(d, demo, doc.id, good, resident(1)), (e) => code(e) === 'CONFLICT');

      const file = await documentPdf(database.db, demo, doc.id, resident(1).userId);
      assert.equal(file.signed, true);
      const report = await verifyUpload(d, file.pdf);
      assert.deepEqual(report.problems, []);
      assert.equal(report.valid, true);
      assert.equal(report.sha256, signed.signedSha256);

      const tampered = Buffer.from(file.pdf);
      tampered[300] ^= 0x20;
      const bad = await verifyUpload(d, tampered);
      assert.equal(bad.valid, false);
      const appended = await verifyUpload(d, Buffer.concat([file.pdf, Buffer.from('%%EOF\n')]));
      assert.deepEqual(
        appended.problems.map((p) => p.code),
        ['modified_after_signing'],
      );

      const detail = await getDocument(database.db, demo, doc.id);
      assert.deepEqual(
        detail.trail.map((e) => e.action),
        ['created', 'sent', 'code_sent', 'code_failed', 'code_verified', 'signed'],
      );

      // Immutable, even for the owner role: the trigger refuses any change of a signed document.
      await assert.rejects(database.db.update(esignDocuments).set({ title: 'x' }).where(eq(esignDocuments.id, doc.id)));
      await assert.rejects(database.db.delete(esignDocuments).where(eq(esignDocuments.id, doc.id)));
      // The application role cannot rewrite the trail.
      await assert.rejects(
        withScope(database.db, { kind: 'communities', ids: [demo] }, (tx) =>
          tx.delete(esignTrail).where(eq(esignTrail.documentId, doc.id)),
        ),
      );
      // A tampered upload changed nothing stored.
      const again = await documentPdf(database.db, demo, doc.id);
      assert.ok(Buffer.compare(again.pdf, file.pdf) === 0);
    });

    if (engine === 'postgres') {
      test('two sign requests with the same code at once: exactly one signs, the other is refused', async () => {
        const t = await saveContractTemplate(database.db, demo, { ...template, name: '并发签署' }, operator);
        const values = { name: '赵六', slot: 'D-4', term: '一年' };
        const doc = await createDocument(
          d,
          demo,
          { templateId: t.id, signerUserId: resident(5).userId, signerName: '赵六', values },
          operator,
        );
        await requestCode(d, demo, doc.id, resident(5));
        const good = await lastCode(resident(5));
        const results = await Promise.allSettled([
          signDocument(d, demo, doc.id, good, resident(5)),
          signDocument(d, demo, doc.id, good, resident(5)),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.ok(['CONFLICT', 'INVALID_INPUT'].includes(code(refused.reason)), String(refused.reason));
        const trail = (await getDocument(database.db, demo, doc.id)).trail.map((e) => e.action);
        assert.equal(trail.filter((a) => a === 'signed').length, 1);
      });
    }

    test('too many wrong codes kill the code; an expired code or document cannot sign; decline', async () => {
      const t = await saveContractTemplate(database.db, demo, { ...template, name: '装修协议' }, operator);
      const values = { name: '李四', slot: 'C-3', term: '三个月' };
      const doc = await createDocument(
        d,
        demo,
        { templateId: t.id, signerUserId: resident(3).userId, signerName: '李四', values },
        operator,
      );
      await requestCode(d, demo, doc.id, resident(3));
      const good = await lastCode(resident(3));
      const wrong = good === '000000' ? '111111' : '000000';
      for (let i = 0; i < CODE_MAX_ATTEMPTS; i++) {
        await assert.rejects(signDocument(d, demo, doc.id, wrong, resident(3)), (e) => code(e) === 'INVALID_INPUT');
      }
      await assert.rejects(signDocument(d, demo, doc.id, good, resident(3)), (e) =>
        /已失效/.test((e as AppError).messageZh),
      );

      clock += 61_000;
      await requestCode(d, demo, doc.id, resident(3));
      const fresh = await lastCode(resident(3));
      assert.notEqual(fresh, '');
      clock += 11 * 60_000;
      await assert.rejects(signDocument(d, demo, doc.id, fresh, resident(3)), (e) =>
        /已失效/.test((e as AppError).messageZh),
      );

      clock += 8 * 86_400_000;
      await assert.rejects(
        requestCode(d, demo, doc.id, resident(3)),
        (e) => code(e) === 'CONFLICT' && /期限/.test((e as AppError).messageZh),
      );
      clock = Date.now();
      // The sweep uses the database clock: move the deadline into the past, then sweep.
      await database.db
        .update(esignDocuments)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(esignDocuments.id, doc.id));
      assert.equal(await expireDueDocuments(database.db), 1);
      const expired = await getDocument(database.db, demo, doc.id);
      assert.equal(expired.status, 'expired');
      assert.equal(expired.trail.at(-1)?.action, 'expired');
      assert.equal(await expireDueDocuments(database.db), 0);

      const other = await createDocument(
        d,
        demo,
        { templateId: t.id, signerUserId: resident(4).userId, signerName: '王五', values },
        operator,
      );
      const declined = await declineDocument(d, demo, other.id, '信息有误', resident(4));
      assert.equal(declined.status, 'declined');
      assert.equal((await documentPdf(database.db, demo, other.id)).signed, false);
      const [n] = await database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(esignDocuments)
        .where(and(eq(esignDocuments.status, 'signed'), eq(esignDocuments.templateId, t.id)));
      // Neither contract of this template got signed: one expired, one declined.
      assert.equal(Number(n.n), 0);
    });
  });
}
