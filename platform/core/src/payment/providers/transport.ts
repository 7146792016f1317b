import { AppError } from '../../errors.ts';

/** A signed HTTP request an adapter built for its provider. */
export interface ProviderRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * How a configured adapter would reach its provider. None is built in: this build never calls out, so an adapter
 * without an injected transport refuses with a clear error after building and signing the request.
 */
export type Transport = (req: ProviderRequest) => Promise<{ status: number; body: string; bytes?: Uint8Array }>;

export const notConfigured = (zhName: string, name: string, missing: string[]) =>
  new AppError('UNAVAILABLE', {
    zh: `${zhName}未配置（缺少 ${missing.join('、')}），请联系平台管理员`,
    en: `${name} is not configured (missing ${missing.join(', ')}); ask the platform administrator`,
  });

export const noTransport = (zhName: string, name: string) =>
  new AppError('UNAVAILABLE', {
    zh: `${zhName}已配置，但此部署不允许对外网络请求`,
    en: `${name} is configured, but this deployment makes no outbound network calls`,
  });

export const unsupported = (zhName: string, name: string, what: string) =>
  new AppError('CONFLICT', { zh: `${zhName}不支持${what}`, en: `${name} does not support ${what}` });

/**
 * The names of the settings that are missing or empty; with `labels` (setting → environment variable), the names of
 * the variables to set instead, so the refusal tells the administrator exactly what to configure.
 */
export const missingOf = (cfg: object | undefined, names: string[], labels?: Record<string, string>) =>
  names
    .filter((n) => {
      const v = (cfg as Record<string, unknown> | undefined)?.[n];
      return v === undefined || v === '' || v === null || (typeof v === 'object' && Object.keys(v).length === 0);
    })
    .map((n) => labels?.[n] ?? n);
