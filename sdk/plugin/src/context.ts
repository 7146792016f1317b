import type { DataScopes, Services } from './capabilities.ts';
import type { CollectionMap, Collections } from './collections.ts';

/** The signed-in caller of a page action; null for bus events, jobs and migrations. */
export interface PluginUser {
  /** The user's id (UUID). */
  id: string;
  /** `resident` on the resident portal, `operator` for community staff in the console. */
  role: 'resident' | 'operator';
}

/** Options of `ctx.http.fetch`. */
export interface FetchInit {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  /** Text body; encode JSON yourself. */
  body?: string;
}

/** An answer of `ctx.http.fetch`: the whole body as text (at most 1 MB). */
export interface FetchAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Log lines end up in the platform's application log, tagged with the app and version (100 lines per call). */
export interface PluginLog {
  info(...parts: unknown[]): void;
  warn(...parts: unknown[]): void;
  error(...parts: unknown[]): void;
}

/**
 * What a handler gets besides its input. Everything here crosses the sandbox's one bridge: values go in and out as
 * JSON, and every call is checked against the manifest and the community's grants and audited.
 *
 * @typeParam C - record types by collection name, for typed `ctx.collections`.
 * @typeParam S - the settings an operator filled in at install.
 */
export interface PluginContext<C extends object = CollectionMap, S = Record<string, unknown>> {
  /** The community the call runs for. */
  readonly community: { readonly id: string; readonly code: string };
  /** This app and the installed version. */
  readonly plugin: { readonly id: string; readonly version: string };
  /** Who called from a page, or null (events, jobs). */
  readonly user: PluginUser | null;
  /** Settings of this install (see the manifest's `settings` schema). */
  readonly settings: Readonly<S>;
  /** The caller's locale when known (`zh-CN` or `en`). */
  readonly locale?: string;
  /** The app's collections in this community. */
  readonly collections: Collections<C>;
  /** Shared services granted to the app. */
  readonly services: Services;
  /** Base-data scopes granted to the app. */
  readonly data: DataScopes;
  /**
   * Publishes an event on the bus as `shequ.app.<app id>.<event>`; the name is lower-case words joined by dots
   * (for example `post.published`).
   */
  emit(event: string, payload?: unknown): Promise<{ emitted: true }>;
  /** Outbound HTTP to hosts the manifest declares under `http.hosts` and the operator approved. */
  readonly http: { fetch(url: string, init?: FetchInit): Promise<FetchAnswer> };
  /** The app's log. */
  readonly log: PluginLog;
}
