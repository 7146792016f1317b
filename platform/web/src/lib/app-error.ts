import type { Lang } from '@/i18n/lang';

/** What the API puts into `error.data` for every failure (see platform/api's error formatter). */
export type AppErrorData = {
  appCode: string;
  messageZh: string;
  messageEn: string;
  fieldErrors?: Record<string, string[]>;
  requestId?: string;
  httpStatus?: number;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Reads the app error fields defensively: the error may also be a network failure or a proxy page. */
export function appErrorData(error: unknown): AppErrorData | null {
  if (!isRecord(error) || !isRecord(error.data)) return null;
  const { appCode, messageZh, messageEn, fieldErrors, requestId, httpStatus } = error.data;
  if (typeof appCode !== 'string' || typeof messageZh !== 'string' || typeof messageEn !== 'string') return null;
  return {
    appCode,
    messageZh,
    messageEn,
    fieldErrors: isRecord(fieldErrors) ? (fieldErrors as Record<string, string[]>) : undefined,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    httpStatus: typeof httpStatus === 'number' ? httpStatus : undefined,
  };
}

export function appErrorCode(error: unknown): string | null {
  const data = appErrorData(error);
  if (data) return data.appCode;
  // tRPC's own codes still arrive when a request fails before reaching a procedure.
  if (isRecord(error) && isRecord(error.data) && typeof error.data.code === 'string') {
    return error.data.code === 'UNAUTHORIZED' ? 'UNAUTHENTICATED' : error.data.code;
  }
  return null;
}

export function isUnauthenticated(error: unknown): boolean {
  return appErrorCode(error) === 'UNAUTHENTICATED';
}

/** The message to show a user: the server's text in the current language, never a stack or raw body. */
export function errorMessage(error: unknown, lang: Lang, fallback: string): string {
  const data = appErrorData(error);
  if (!data) return fallback;
  return lang === 'en' ? data.messageEn : data.messageZh;
}

/** Client errors (4xx) will not get better by asking again. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= 2) return false;
  const data = isRecord(error) && isRecord(error.data) ? error.data : null;
  const status = data && typeof data.httpStatus === 'number' ? data.httpStatus : null;
  return status === null || status >= 500;
}
