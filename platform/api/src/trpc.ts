import { AppError, type ErrorCode, hasPermission, type Platform, type Principal } from '@shequ/core';
import type { IotEngine, RuleEngine } from '@shequ/iot';
import type { PluginHost } from '@shequ/runtime';
import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/unstable-core-do-not-import';
import { ZodError } from 'zod';

export interface Context {
  platform: Platform;
  /** The plugin host, in processes that run apps. */
  plugins?: PluginHost;
  /** The IoT engine when this process runs the gateway (roles all and iot). */
  iot?: IotEngine | null;
  /** The rule consumer, in processes that run it beside the gateway. */
  rules?: RuleEngine;
  principal: Principal | null;
  sessionToken: string | undefined;
  meta: { ip: string | null; userAgent: string | null; requestId: string };
  setSessionCookie(token: string, expiresAt: Date): void;
  clearSessionCookie(): void;
}

const trpcCode: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: 'BAD_REQUEST',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  MFA_REQUIRED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  ACCOUNT_LOCKED: 'FORBIDDEN',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  PLUGIN_FAILED: 'BAD_GATEWAY',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

/** Flattens zod issues to `{ "a.b": ["message"] }`, the shape forms show under their fields. */
function flatten(err: ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of err.issues) {
    const key = issue.path.join('.') || '_';
    out[key] = [...(out[key] ?? []), issue.message];
  }
  return out;
}

/** Maps any error to the one public shape: an app code, Chinese and English messages, field errors, request id. */
export function toAppError(error: TRPCError): AppError {
  const cause = error.cause;
  if (cause instanceof AppError) return cause;
  if (cause instanceof ZodError) {
    return new AppError('INVALID_INPUT', {
      zh: '输入有误，请检查标出的字段',
      en: 'Invalid input: please correct the marked fields',
      fieldErrors: flatten(cause),
    });
  }
  if (error.code === 'NOT_FOUND') return new AppError('NOT_FOUND', { zh: '接口不存在', en: 'No such procedure' });
  if (error.code === 'PARSE_ERROR' || error.code === 'BAD_REQUEST' || error.code === 'UNSUPPORTED_MEDIA_TYPE') {
    return new AppError('INVALID_INPUT', { zh: '请求格式有误', en: 'Malformed request' });
  }
  if (error.code === 'METHOD_NOT_SUPPORTED')
    return new AppError('INVALID_INPUT', { zh: '请求方法不支持', en: 'Method not supported' });
  return new AppError('INTERNAL', {
    zh: '服务器内部错误，请稍后再试',
    en: 'Internal error; please try again later',
    isPublic: false,
  });
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error, ctx }) {
    const app = toAppError(error);
    if (app.code === 'INTERNAL')
      ctx?.platform.log.error({ err: error.cause ?? error, requestId: ctx.meta.requestId }, 'unhandled error');
    return {
      message: app.isPublic ? app.messageEn : 'Internal error',
      code: shape.code,
      data: {
        code: shape.data.code,
        httpStatus: app.status,
        path: shape.data.path,
        appCode: app.code,
        messageZh: app.messageZh,
        messageEn: app.messageEn,
        fieldErrors: app.fieldErrors,
        requestId: ctx?.meta.requestId,
      },
    };
  },
});

/** Re-throws AppErrors as TRPCErrors with the matching code, so HTTP statuses are right. */
const appErrors = t.middleware(async ({ next }) => {
  const res = await next();
  if (!res.ok && res.error.cause instanceof AppError) {
    throw new TRPCError({
      code: trpcCode[res.error.cause.code],
      message: res.error.cause.messageEn,
      cause: res.error.cause,
    });
  }
  return res;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(appErrors);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.principal) throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in first' });
  return next({ ctx: { ...ctx, principal: ctx.principal } });
});

/** A procedure that needs `permission` from the RBAC matrix (any jurisdiction; services narrow by scope). */
export const permitted = (permission: string) =>
  authedProcedure.use(({ ctx, next }) => {
    if (!hasPermission(ctx.principal.grants, permission)) {
      throw new AppError('FORBIDDEN', { zh: '您没有执行此操作的权限', en: `You lack the permission ${permission}` });
    }
    return next();
  });
