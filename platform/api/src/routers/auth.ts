import { roles } from '@shequ/core';
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../trpc.ts';

const phone = z
  .string()
  .trim()
  .regex(/^1[3-9]\d{9}$/, '请输入 11 位手机号 / enter an 11-digit mobile number');

export const authRouter = router({
  providers: publicProcedure.query(({ ctx }) => ({ oidc: !!ctx.platform.config.oidc })),

  login: publicProcedure
    .input(
      z.object({
        identifier: z.string().trim().min(1, '请输入账号 / enter your account').max(64),
        password: z.string().min(1, '请输入密码 / enter your password').max(200),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const s = await ctx.platform.auth.login(input.identifier, input.password, ctx.meta);
      ctx.setSessionCookie(s.token, s.expiresAt);
      return { mfaRequired: s.mfaRequired };
    }),

  requestCode: publicProcedure.input(z.object({ phone })).mutation(async ({ ctx, input }) => {
    await ctx.platform.auth.requestCode(input.phone, ctx.meta);
    return { sent: true as const };
  }),

  loginWithCode: publicProcedure
    .input(
      z.object({
        phone,
        code: z
          .string()
          .trim()
          .regex(/^\d{6}$/, '验证码为 6 位数字 / the code has 6 digits'),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const s = await ctx.platform.auth.loginWithCode(input.phone, input.code, ctx.meta);
      ctx.setSessionCookie(s.token, s.expiresAt);
      return { mfaRequired: s.mfaRequired };
    }),

  verifyTotp: publicProcedure
    .input(
      z.object({
        code: z
          .string()
          .trim()
          .regex(/^\d{6}$/),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await ctx.platform.auth.verifyTotp(ctx.sessionToken, input.code, ctx.meta);
      return { ok: true as const };
    }),

  beginTotp: authedProcedure.mutation(({ ctx }) =>
    ctx.platform.auth.beginTotp(ctx.principal.userId, ctx.principal.displayName),
  ),

  enableTotp: authedProcedure
    .input(
      z.object({
        code: z
          .string()
          .trim()
          .regex(/^\d{6}$/),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await ctx.platform.auth.enableTotp(ctx.principal.userId, input.code, ctx.meta);
      return { ok: true as const };
    }),

  logout: publicProcedure.mutation(async ({ ctx }) => {
    await ctx.platform.auth.logout(ctx.sessionToken);
    ctx.clearSessionCookie();
    return { ok: true as const };
  }),

  me: authedProcedure.query(({ ctx }) => {
    const p = ctx.principal;
    return {
      user: { id: p.userId, displayName: p.displayName, locale: p.locale },
      roles: p.grants.map((g) => ({
        role: g.role,
        roleZh: roles[g.role].zh,
        roleEn: roles[g.role].en,
        regionId: g.regionId,
        regionName: g.regionName,
        regionCode: g.regionCode,
        regionLevel: g.regionLevel,
      })),
      shells: p.shells,
      permissions: [...new Set(p.grants.flatMap((g) => roles[g.role].permissions))].sort(),
    };
  }),
});
