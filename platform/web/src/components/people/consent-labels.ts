import type { Lang } from '@/i18n/lang';
import type { TFunction } from '@/i18n/lang-provider';
import type { MessageKey } from '@/i18n/zh-CN';

export type ConsentOptions = {
  purposes: Record<string, { zh: string; en: string }>;
  categories: Record<string, string>;
  channels: readonly string[];
};

/** A purpose as residents read it: the server's label in the current language, else the key. */
export function purposeLabel(options: ConsentOptions | undefined, key: string, lang: Lang, fallback?: string) {
  const p = options?.purposes[key];
  if (!p) return fallback ?? key;
  return lang === 'en' ? p.en : p.zh;
}

/** Categories and channels have dictionary labels; keys the dictionary lacks fall back to the server's text. */
export function categoryLabel(options: ConsentOptions | undefined, key: string, t: TFunction) {
  const k = `consent.category.${key}` as MessageKey;
  const label = t(k);
  return label === undefined || label === k ? (options?.categories[key] ?? key) : label;
}

export function channelLabel(key: string, t: TFunction) {
  const k = `consent.channel.${key}` as MessageKey;
  const label = t(k);
  return label === undefined || label === k ? key : label;
}
