/**
 * Outcome of a base-data check. Success carries the normalised value plus any
 * facts derived from it (birth date, region, …) so callers never re-parse;
 * failure carries a reason in both languages because the UI shows Chinese
 * first and the API logs / English clients need the same reason.
 *
 * @typeParam T - type of the normalised value
 * @typeParam D - extra derived fields present only on success
 */
export type Check<T, D extends object = Record<never, never>> =
  | ({ ok: true; value: T } & D)
  | { ok: false; zh: string; en: string };

/** A failed {@link Check}; narrowed type so helpers can return it for any `T`. */
export type Failure = { ok: false; zh: string; en: string };

/** Builds a failure; keeping one constructor keeps the zh/en pairing enforced. */
export function fail(zh: string, en: string): Failure {
  return { ok: false, zh, en };
}
