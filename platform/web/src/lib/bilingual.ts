import type { Lang } from '@/i18n/lang';

/** Server field messages arrive as "中文 / English"; show the half that matches the language. */
export function pickLang(message: string, lang: Lang): string {
  const at = message.indexOf(' / ');
  if (at < 0) return message;
  return lang === 'en' ? message.slice(at + 3) : message.slice(0, at);
}
