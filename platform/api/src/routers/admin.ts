import { appendAudit, assertCanGrant, createUser, exportAudit, listAudit, roleNames, verifyAudit } from '@shequ/core';
import { z } from 'zod';
import { permitted, router } from '../trpc.ts';

export const adminRouter = router({
  /** Recent audit records within the caller's jurisdiction (platform-wide grants see all). */
  auditList: permitted('audit.read')
    .input(
      z
        .object({ objectId: z.string().max(64).optional(), limit: z.number().int().min(1).max(200).optional() })
        .optional(),
    )
    .query(({ ctx, input }) =>
      listAudit(ctx.platform.database.db, {
        communityIds: ctx.principal.scope.kind === 'all' ? undefined : ctx.principal.scope.ids,
        objectId: input?.objectId,
        limit: input?.limit,
      }),
    ),

  auditVerify: permitted('audit.verify').query(async ({ ctx }) => {
    const report = await verifyAudit(ctx.platform.database.db);
    await appendAudit(ctx.platform.database.db, {
      subject: ctx.principal.userId,
      action: 'audit.verify',
      objectType: 'audit_log',
      result: report.ok ? 'success' : 'failure',
      sourceIp: ctx.meta.ip,
      requestId: ctx.meta.requestId,
      detail: { checked: report.checked, firstBroken: report.firstBroken ?? null },
    });
    return report;
  }),

  auditExport: permitted('audit.export').mutation(async ({ ctx }) => {
    const { archive, count, headHash } = await exportAudit(ctx.platform.database.db, ctx.platform.keyring.active);
    await appendAudit(ctx.platform.database.db, {
      subject: ctx.principal.userId,
      action: 'audit.export',
      objectType: 'audit_log',
      result: 'success',
      sourceIp: ctx.meta.ip,
      requestId: ctx.meta.requestId,
      detail: { count, headHash },
    });
    return { archiveBase64: archive.toString('base64'), count, headHash };
  }),

  createUser: permitted('users.create')
    .input(
      z.object({
        username: z.string().trim().toLowerCase().optional(),
        displayName: z.string().trim().min(1).max(64),
        phone: z.string().trim().optional(),
        password: z.string().min(8).max(200).optional(),
        roles: z
          .array(
            z.object({ role: z.enum(roleNames as [string, ...string[]]), regionCode: z.string().trim().nullish() }),
          )
          .min(1),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await assertCanGrant(ctx.platform.database.db, ctx.principal.grants, input.roles);
      return createUser(ctx.platform.database.db, ctx.platform.crypto, input, {
        subject: ctx.principal.userId,
        role: ctx.principal.grants[0]?.role,
        ip: ctx.meta.ip,
        requestId: ctx.meta.requestId,
      });
    }),
});
