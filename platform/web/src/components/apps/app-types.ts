import type { inferInput, inferOutput, TRPCOptionsProxy } from '@trpc/tanstack-react-query';
import type { Lang } from '@/i18n/lang';
import type { AppRouter } from '@/lib/trpc';

type Plugins = TRPCOptionsProxy<AppRouter>['plugins'];

/** One app as the host renders it for one side: its pages, names and icon. */
export type AppDef = inferOutput<Plugins['app']>;
export type AppPage = AppDef['pages'][string];
export type PageOf<K extends AppPage['type']> = Extract<AppPage, { type: K }>;
export type PageAction = NonNullable<PageOf<'list'>['actions']>[number];
export type PageField = PageOf<'list'>['columns'][number];
export type Audience = inferInput<Plugins['app']>['audience'];
export type AppSummary = inferOutput<Plugins['apps']>[number];
export type Installed = inferOutput<Plugins['installed']>[number];
export type PackageInfo = inferOutput<Plugins['packages']>[number];

export type Text = { zh: string; en: string };

/** A plugin's bilingual text in the UI language. */
export function pick(text: Text | null | undefined, lang: Lang): string {
  if (!text) return '';
  return lang === 'en' ? text.en : text.zh;
}

/** Where an app's pages live for each side. */
export const appsBase: Record<Audience, string> = { resident: '/app/apps', operator: '/console/apps' };

/** The URL of one page of an app; detail pages carry the record id in `?id=`. */
export function pageHref(audience: Audience, pluginId: string, pageId: string, id?: string): string {
  const path = `${appsBase[audience]}/${encodeURIComponent(pluginId)}/${encodeURIComponent(pageId)}`;
  return id ? `${path}?id=${encodeURIComponent(id)}` : path;
}

/**
 * How an app's stored values read in the UI: the options of any filter on the same field (a status `open` reads
 * 处理中), then the manifest's i18n table.
 */
export function valueLabeller(app: AppDef, lang: Lang): (field: string, value: string, tag: boolean) => string {
  const options = new Map<string, Text>();
  for (const page of Object.values(app.pages)) {
    if (page.type !== 'list') continue;
    for (const f of page.filters ?? [])
      for (const o of f.options ?? []) options.set(`${f.field}\u0000${o.value}`, o.label);
  }
  const table = (app.i18n as Record<string, Record<string, string> | undefined>)[lang] ?? {};
  return (field, value, tag) => {
    const option = options.get(`${field}\u0000${value}`);
    if (option) return pick(option, lang);
    return tag ? (table[value] ?? value) : value;
  };
}
