/**
 * `node:assert` (strict mode) for the plugin's tests when the platform runs them in the sandbox, where Node's own
 * module does not exist. The sandbox run always compares strictly, as `node:assert/strict` does.
 */

/** Thrown by every failed assertion; `name` and `code` as in Node. */
export class AssertionError extends Error {
  readonly code = 'ERR_ASSERTION';
  actual: unknown;
  expected: unknown;
  operator: string;
  constructor(opts: { message?: string | Error; actual?: unknown; expected?: unknown; operator?: string }) {
    super(typeof opts.message === 'string' ? opts.message : 'assertion failed');
    this.name = 'AssertionError';
    this.actual = opts.actual;
    this.expected = opts.expected;
    this.operator = opts.operator ?? 'fail';
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (typeof v === 'function') return `[function ${v.name || 'anonymous'}]`;
  try {
    const text = JSON.stringify(v);
    return text === undefined ? String(v) : text.length > 400 ? `${text.slice(0, 400)}…` : text;
  } catch {
    return String(v);
  }
}

function fail(
  message: string | Error | undefined,
  fallback: string,
  actual?: unknown,
  expected?: unknown,
  op = 'fail',
): never {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message: message ?? fallback, actual, expected, operator: op });
}

function isDeepStrictEqual(a: unknown, b: unknown, seen = new Map<object, object>()): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return String(a) === String(b);
  if (a instanceof Map) {
    const m = b as Map<unknown, unknown>;
    if (a.size !== m.size) return false;
    for (const [k, v] of a) if (!m.has(k) || !isDeepStrictEqual(v, m.get(k), seen)) return false;
    return true;
  }
  if (a instanceof Set) {
    const s = b as Set<unknown>;
    if (a.size !== s.size) return false;
    for (const v of a) if (!s.has(v)) return false;
    return true;
  }
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ob = b as Record<string, unknown>;
  for (const k of ka) {
    if (!Object.hasOwn(ob, k)) return false;
    if (!isDeepStrictEqual((a as Record<string, unknown>)[k], ob[k], seen)) return false;
  }
  return true;
}

type Expected = RegExp | ((e: unknown) => unknown) | Record<string, unknown> | Error;

/** Checks a thrown value against what `throws` / `rejects` expect, as Node does. */
function matches(err: unknown, expected: Expected | undefined, message?: string | Error): void {
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    if (!expected.test(String(err)))
      fail(message, `the error ${show(err)} does not match ${String(expected)}`, err, expected, 'throws');
    return;
  }
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && err instanceof (expected as unknown as new () => unknown)) return;
    if (Object.prototype.isPrototypeOf.call(Error, expected) || expected === Error)
      fail(message, `the error ${show(err)} is not an instance of ${expected.name}`, err, expected, 'throws');
    if ((expected as (e: unknown) => unknown)(err) !== true)
      fail(message, `the validation function rejected the error ${show(err)}`, err, expected, 'throws');
    return;
  }
  const e = err as Record<string, unknown>;
  if (typeof e !== 'object' || e === null) fail(message, `expected an error object, got ${show(err)}`, err, expected);
  const want = expected as Record<string, unknown>;
  const keys = expected instanceof Error ? ['name', 'message', ...Object.keys(want)] : Object.keys(want);
  for (const k of keys) {
    const w = want[k];
    const got = e[k];
    const ok = w instanceof RegExp && typeof got === 'string' ? w.test(got) : isDeepStrictEqual(got, w);
    if (!ok) fail(message, `the error's ${k} is ${show(got)}, expected ${show(w)}`, err, expected, 'throws');
  }
}

const NOTHING = Symbol('nothing');

function split(
  expected?: Expected | string,
  message?: string | Error,
): [Expected | undefined, string | Error | undefined] {
  return typeof expected === 'string' ? [undefined, expected] : [expected, message];
}

export function ok(value: unknown, message?: string | Error): asserts value {
  if (!value) fail(message, `the value is not truthy: ${show(value)}`, value, true, '==');
}

export function equal(actual: unknown, expected: unknown, message?: string | Error): void {
  if (!Object.is(actual, expected))
    fail(message, `expected ${show(expected)}, got ${show(actual)}`, actual, expected, 'strictEqual');
}

export function notEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (Object.is(actual, expected))
    fail(message, `expected a value other than ${show(expected)}`, actual, expected, 'notStrictEqual');
}

export function deepEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (!isDeepStrictEqual(actual, expected))
    fail(
      message,
      `the values are not deeply equal:\n  got      ${show(actual)}\n  expected ${show(expected)}`,
      actual,
      expected,
      'deepStrictEqual',
    );
}

export function notDeepEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (isDeepStrictEqual(actual, expected))
    fail(message, `the values are deeply equal: ${show(actual)}`, actual, expected, 'notDeepStrictEqual');
}

export function match(value: string, re: RegExp, message?: string | Error): void {
  if (typeof value !== 'string' || !re.test(value))
    fail(message, `${show(value)} does not match ${String(re)}`, value, re, 'match');
}

export function doesNotMatch(value: string, re: RegExp, message?: string | Error): void {
  if (typeof value !== 'string' || re.test(value))
    fail(message, `${show(value)} matches ${String(re)}`, value, re, 'doesNotMatch');
}

export function throws(fn: () => unknown, expected?: Expected | string, message?: string | Error): void {
  const [exp, msg] = split(expected, message);
  let caught: unknown = NOTHING;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (caught === NOTHING) fail(msg, 'missing expected exception', undefined, exp, 'throws');
  matches(caught, exp, msg);
}

export function doesNotThrow(fn: () => unknown, message?: string | Error): void {
  try {
    fn();
  } catch (e) {
    fail(
      typeof message === 'string' || message instanceof Error ? message : undefined,
      `got unwanted exception ${show(e)}`,
      e,
    );
  }
}

export async function rejects(
  target: Promise<unknown> | (() => Promise<unknown>),
  expected?: Expected | string,
  message?: string | Error,
): Promise<void> {
  const [exp, msg] = split(expected, message);
  let caught: unknown = NOTHING;
  try {
    await (typeof target === 'function' ? target() : target);
  } catch (e) {
    caught = e;
  }
  if (caught === NOTHING) fail(msg, 'missing expected rejection', undefined, exp, 'rejects');
  matches(caught, exp, msg);
}

export async function doesNotReject(
  target: Promise<unknown> | (() => Promise<unknown>),
  message?: string | Error,
): Promise<void> {
  try {
    await (typeof target === 'function' ? target() : target);
  } catch (e) {
    fail(message, `got unwanted rejection ${show(e)}`, e);
  }
}

export function ifError(value: unknown): void {
  if (value !== null && value !== undefined)
    throw value instanceof Error ? value : new AssertionError({ message: `ifError got ${show(value)}` });
}

export function fail_(message?: string | Error): never {
  return fail(message, 'Failed');
}

/** The module itself is callable (`assert(x)`), like Node's. */
export const assert = Object.assign((value: unknown, message?: string | Error) => ok(value, message), {
  ok,
  equal,
  strictEqual: equal,
  notEqual,
  notStrictEqual: notEqual,
  deepEqual,
  deepStrictEqual: deepEqual,
  notDeepEqual,
  notDeepStrictEqual: notDeepEqual,
  match,
  doesNotMatch,
  throws,
  doesNotThrow,
  rejects,
  doesNotReject,
  ifError,
  fail: fail_,
  AssertionError,
});
(assert as unknown as { strict: unknown }).strict = assert;

export {
  assert as strict,
  deepEqual as deepStrictEqual,
  equal as strictEqual,
  fail_ as fail,
  notDeepEqual as notDeepStrictEqual,
  notEqual as notStrictEqual,
};
export default assert;
