import {
  AppError,
  archiveContractTemplate,
  createDocument,
  declineDocument,
  documentPdf,
  type EsignDeps,
  getDocument,
  listContractTemplates,
  listDocuments,
  requestCode,
  type Signer,
  saveContractTemplate,
  sendDocument,
  signDocument,
  verifyUpload,
} from '@shequ/core';
import { users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { authedProcedure, type Context, publicProcedure, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const variable = z.object({
  key: z.string().regex(/^[A-Za-z0-9_]{1,32}$/),
  label: z.string().trim().min(1).max(50),
  required: z.boolean(),
});
const templateInput = z.object({
  name: z.string().trim().min(1).max(200),
  body: z.string().min(1).max(50_000),
  variables: z.array(variable).max(50),
  validDays: z.number().int().min(1).max(365),
});
/** A PDF as base64, within the API's 8 MB body limit (larger files: POST the PDF itself to /api/esign/verify). */
const pdfBase64 = z.string().min(8).max(8_000_000);

type Authed = Pick<Context, 'platform' | 'meta'> & { principal: NonNullable<Context['principal']> };

const deps = (ctx: Pick<Context, 'platform'>): EsignDeps => ({
  db: ctx.platform.database.db,
  crypto: ctx.platform.crypto,
  ca: ctx.platform.esignCa,
  messages: { db: ctx.platform.database.db, adapters: ctx.platform.messageAdapters, crypto: ctx.platform.crypto },
});

function signerOf(ctx: Authed): Signer {
  if (!/^[0-9a-f-]{36}$/i.test(ctx.principal.userId)) {
    throw new AppError('FORBIDDEN', { zh: '只有登录的用户本人才能签署', en: 'Only a signed-in person can sign' });
  }
  return { ...actorOf(ctx), userId: ctx.principal.userId };
}

const decodePdf = (b64: string) => {
  const pdf = Buffer.from(b64, 'base64');
  if (pdf.length === 0) throw new AppError('INVALID_INPUT', { zh: '文件为空', en: 'The file is empty' });
  return pdf;
};

export const esignRouter = router({
  /** Contract templates of the community (operators). */
  templates: authedProcedure
    .input(community.extend({ includeArchived: z.boolean().optional() }))
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'esign.manage');
      return listContractTemplates(ctx.platform.database.db, c.id, input.includeArchived ?? false);
    }),
  saveTemplate: authedProcedure
    .input(
      community.extend({
        id: z.uuid().optional(),
        expectedVersion: z.number().int().optional(),
        template: templateInput,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'esign.manage');
      return saveContractTemplate(
        ctx.platform.database.db,
        c.id,
        input.template,
        actorOf(ctx),
        input.id,
        input.expectedVersion,
      );
    }),
  archiveTemplate: authedProcedure.input(community.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'esign.manage');
    return archiveContractTemplate(ctx.platform.database.db, c.id, input.id, actorOf(ctx));
  }),
  /** Renders a template for one resident and sends it (or keeps a draft). */
  createDocument: authedProcedure
    .input(
      community.extend({
        templateId: z.uuid(),
        /** The signer by user id or by username (the console types a username). */
        signerUserId: z.uuid().optional(),
        signerUsername: z.string().trim().min(1).max(64).optional(),
        signerName: z.string().trim().min(1).max(100).optional(),
        values: z.record(z.string().max(64), z.string().max(2000)),
        title: z.string().trim().min(1).max(200).optional(),
        send: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'esign.manage');
      const { community: _, signerUserId, signerUsername, signerName, ...rest } = input;
      const [u] = await ctx.platform.database.db
        .select({ id: users.id, displayName: users.displayName })
        .from(users)
        .where(signerUserId ? eq(users.id, signerUserId) : eq(users.username, signerUsername ?? ''))
        .limit(1);
      if (!u) throw new AppError('NOT_FOUND', { zh: '找不到该签署人账号', en: 'No such signer account' });
      return createDocument(
        deps(ctx),
        c.id,
        { ...rest, signerUserId: u.id, signerName: signerName ?? u.displayName ?? signerUsername ?? u.id },
        actorOf(ctx),
      );
    }),
  send: authedProcedure.input(community.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'esign.manage');
    return sendDocument(deps(ctx), c.id, input.id, actorOf(ctx));
  }),
  /** All documents of the community (operators). */
  documents: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'esign.manage');
    return listDocuments(ctx.platform.database.db, c.id);
  }),
  /** The caller's own contracts (待签合同). */
  mine: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'esign.sign');
    return listDocuments(ctx.platform.database.db, c.id, { signerUserId: ctx.principal.userId });
  }),
  /** One document with its audit trail: operators see any, a signer only their own. */
  document: authedProcedure.input(community.extend({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'esign.sign');
    const operator = await communityFor(ctx, input.community, 'esign.manage').then(
      () => true,
      () => false,
    );
    return getDocument(ctx.platform.database.db, c.id, input.id, operator ? undefined : ctx.principal.userId);
  }),
  /** The PDF (signed once signed), base64. */
  download: authedProcedure.input(community.extend({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'esign.sign');
    const operator = await communityFor(ctx, input.community, 'esign.manage').then(
      () => true,
      () => false,
    );
    const f = await documentPdf(ctx.platform.database.db, c.id, input.id, operator ? undefined : ctx.principal.userId);
    return { filename: f.filename, signed: f.signed, base64: f.pdf.toString('base64') };
  }),
  requestCode: authedProcedure.input(community.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'esign.sign');
    return requestCode(deps(ctx), c.id, input.id, signerOf(ctx));
  }),
  sign: authedProcedure
    .input(
      community.extend({
        id: z.uuid(),
        code: z
          .string()
          .trim()
          .regex(/^\d{6}$/),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'esign.sign');
      return signDocument(deps(ctx), c.id, input.id, input.code, signerOf(ctx));
    }),
  decline: authedProcedure
    .input(community.extend({ id: z.uuid(), reason: z.string().trim().max(500) }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'esign.sign');
      return declineDocument(deps(ctx), c.id, input.id, input.reason, signerOf(ctx));
    }),
  /** Anyone may check a contract PDF: signature, chain to the platform root, timestamp, whole-file coverage. */
  verify: publicProcedure.input(z.object({ pdf: pdfBase64 })).mutation(async ({ ctx, input }) => {
    return verifyUpload({ ca: ctx.platform.esignCa }, decodePdf(input.pdf));
  }),
});
