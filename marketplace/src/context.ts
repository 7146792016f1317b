import { AppError, type FieldCrypto } from '@shequ/core';
import type { Database } from '@shequ/db';
import type { Actor, PluginHost } from '@shequ/runtime';
import type { ReviewBudgets } from './review-checks.ts';

/** What the marketplace services run with. `host` is needed to put versions on the shelf and to install. */
export interface Market {
  database: Database;
  crypto: FieldCrypto;
  host?: PluginHost;
  budgets?: Partial<ReviewBudgets>;
  /** Federation (DB33 8.1.1): this catalog's id and which upstream hosts it may follow. */
  catalog?: CatalogSettings;
}

export interface CatalogSettings {
  /** This catalog's id in the indexes it issues (`SHEQU_CATALOG_ID`). */
  id: string;
  /** Hosts that may be followed (`SHEQU_UPSTREAM_HOSTS`); `*` allows any HTTPS host. */
  upstreamHosts: string[];
  /** How long an issued index is valid (default one hour). */
  indexTtlMs?: number;
  /** Time limit of each upstream request (default 10 s). */
  timeoutMs?: number;
  /** For tests: the clock. */
  now?: () => Date;
}

/** Who acts: `admin` acts for any publisher (platform administrators, the CLI token). */
export interface MarketActor extends Actor {
  admin?: boolean;
}

export const hostOf = (m: Market): PluginHost => {
  if (!m.host)
    throw new AppError('UNAVAILABLE', {
      zh: '应用运行环境未启动',
      en: 'The app runtime is not running in this process',
    });
  return m.host;
};

export const invalid = (zh: string, en: string) => new AppError('INVALID_INPUT', { zh, en });
export const conflict = (zh: string, en: string) => new AppError('CONFLICT', { zh, en });
export const notFound = (zh: string, en: string) => new AppError('NOT_FOUND', { zh, en });

/** The PostgreSQL error code of a driver or drizzle error (drizzle wraps the driver's error as `cause`). */
export function pgCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : e?.cause?.code;
}
