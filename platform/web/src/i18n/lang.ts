import { en } from './en';
import { type MessageKey, type Messages, zhCN } from './zh-CN';

export type Lang = 'zh-CN' | 'en';

export const LANG_COOKIE = 'shequ_lang';
export const LANG_STORAGE_KEY = 'shequ_lang';
export const DEFAULT_LANG: Lang = 'zh-CN';

const dictionaries: Record<Lang, Messages> = { 'zh-CN': zhCN, en };

export function parseLang(value: string | null | undefined): Lang | null {
  if (value === 'zh-CN' || value === 'en') return value;
  return null;
}

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const text = dictionaries[lang][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** Unknown keys come from the server (new roles, region levels); show them raw rather than nothing. */
export function translateDynamic(lang: Lang, prefix: 'role' | 'level', value: string): string {
  const key = `${prefix}.${value}`;
  return key in zhCN ? translate(lang, key as MessageKey) : value;
}

export type { MessageKey };
