import type { Page, PageAction, PageField } from '@shequ/schemas';
import type { Text } from './capabilities.ts';

/**
 * Builders for the declarative pages the host renders (schemas/plugin/page.schema.json). Apps ship no browser code:
 * a page names the handler that feeds it and the handlers its actions call. Put the pages in `src/pages.ts` as
 * `export const pages = definePages({...})`; `shequ-plugin build` adds them to the manifest it writes to `dist/`.
 */

export type { Page, PageAction, PageField };

/** Who sees a page: residents in the portal (`/app/apps/<id>/<page>`) or staff in the console. */
export type Audience = 'resident' | 'operator';

/** A bilingual text. */
export function text(zh: string, en: string): Text {
  return { zh, en };
}

/** A column of a list or a field of a detail page. `field` may be a dotted path into the record. */
export function field(name: string, title: Text, format?: PageField['format']): PageField {
  return format ? { field: name, title, format } : { field: name, title };
}

/** A button that calls a handler (with the row id when `row` is set) or opens another page. */
export function action(
  id: string,
  title: Text,
  target: { handler: string } | { page: string },
  opts: Pick<PageAction, 'confirm' | 'danger' | 'row'> = {},
): PageAction {
  return { id, title, ...target, ...opts };
}

interface Common {
  audience: Audience;
  title: Text;
  /** Shown in the app's menu; the first menu page is the app's home. */
  menu?: boolean;
}

/** Options of {@link listPage}. */
export interface ListPageOptions extends Common {
  /** The handler returning `{ items, total }`; it receives the filters and `{ limit, offset }`. */
  source: string;
  columns: PageField[];
  filters?: { field: string; title: Text; options?: { value: string; label: Text }[] }[];
  actions?: PageAction[];
  /** The page opened when a row is clicked (it receives the row id). */
  detailPage?: string;
}

/** A list page: rows from a handler, columns, filters and actions. */
export function listPage(o: ListPageOptions): Page {
  const { source, ...rest } = o;
  return { type: 'list', ...rest, source: { handler: source } };
}

/** Options of {@link detailPage}. */
export interface DetailPageOptions extends Common {
  /** The handler returning one object for the page's `id` parameter. */
  source: string;
  fields: PageField[];
  actions?: PageAction[];
}

/** A detail page: one object from a handler, shown field by field. */
export function detailPage(o: DetailPageOptions): Page {
  const { source, ...rest } = o;
  return { type: 'detail', ...rest, source: { handler: source } };
}

/** Options of {@link formPage}. */
export interface FormPageOptions extends Common {
  /** JSON Schema of the form, rendered with @rjsf (use `title` per property for labels). */
  schema: Record<string, unknown>;
  uiSchema?: Record<string, unknown>;
  /** The handler called with the form data; a string is the handler name. */
  submit: string | { handler: string; label?: Text; next?: string };
}

/** A form page: a JSON-Schema form whose submit calls a handler. */
export function formPage(o: FormPageOptions): Page {
  const { submit, ...rest } = o;
  return { type: 'form', ...rest, submit: typeof submit === 'string' ? { handler: submit } : submit };
}

/** Options of {@link dashboardPage}. */
export interface DashboardPageOptions extends Common {
  /** The handler returning one object; cards and charts read its fields. */
  source: string;
  /** Stat cards: a number field each. */
  cards?: { field: string; title: Text; unit?: Text }[];
  /** Charts of fields holding `[{ label, value }]`. */
  charts?: { kind: 'bar' | 'line' | 'pie'; field: string; title: Text }[];
}

/** A dashboard page: stat cards and charts from a handler's data. */
export function dashboardPage(o: DashboardPageOptions): Page {
  const { source, ...rest } = o;
  return { type: 'dashboard', ...rest, source: { handler: source } };
}

/** Declares an app's pages by page id (lower case, dashes); returns them unchanged, typed. */
export function definePages<P extends Record<string, Page>>(pages: P): P {
  return pages;
}
