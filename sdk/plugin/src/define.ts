import type { CollectionMap } from './collections.ts';
import type { PluginContext } from './context.ts';

/** A JSON value: what handlers receive and may return. Functions, symbols and bigints are refused by the sandbox. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

/**
 * A server handler: takes the (already schema-checked) input and the context, returns JSON.
 *
 * @typeParam I - the input, as the handler's `input` schema in the manifest describes it.
 * @typeParam O - the result.
 * @typeParam C - record types by collection name.
 */
// biome-ignore lint/suspicious/noExplicitAny: the default lets each handler annotate its own input type.
export type Handler<I = any, O = unknown, C extends object = CollectionMap> = (
  input: I,
  ctx: PluginContext<C>,
) => Promise<O> | O;

/** Handlers by name; names must match the manifest's `handlers`. */
// biome-ignore lint/suspicious/noExplicitAny: inputs differ per handler.
export type Handlers<C extends object = CollectionMap> = Record<string, Handler<any, unknown, C>>;

/** What the bundle exports as `plugin`: the sandbox looks handlers up here. */
export interface PluginDefinition<C extends object = CollectionMap> {
  readonly handlers: Handlers<C>;
}

/**
 * Declares an app's server handlers. Export the result as `plugin` from `src/index.ts`; `shequ-plugin build`
 * bundles it into the one script the sandbox runs.
 *
 * @example
 * ```ts
 * interface Post { title: string; status: 'visible' | 'hidden' }
 * export const plugin = definePlugin<{ posts: Post }>({
 *   handlers: {
 *     listPosts: async (input: { limit?: number }, ctx) =>
 *       ctx.collections.posts.find({ where: { status: 'visible' }, limit: input.limit ?? 20 }),
 *   },
 * });
 * ```
 *
 * @typeParam C - record types by collection name, so `ctx.collections.<name>` is typed.
 */
export function definePlugin<C extends object = CollectionMap>(def: PluginDefinition<C>): PluginDefinition<C> {
  for (const [name, fn] of Object.entries(def.handlers)) {
    if (typeof fn !== 'function') throw new TypeError(`handler "${name}" is not a function`);
  }
  return { handlers: { ...def.handlers } };
}
