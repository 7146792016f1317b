// Building blocks of the rule condition language: its error, limits, forbidden names and whitelisted functions.
// Functions take JSON values and answer JSON values; none can reach code, the file system or the network.

export class ExpressionError extends Error {
  readonly position: number;
  constructor(message: string, position = 0) {
    super(message);
    this.name = 'ExpressionError';
    this.position = position;
  }
}

export const limits = { maxLength: 2000, maxTokens: 400, maxDepth: 40, maxString: 10_000 };
export const forbidden = new Set(['__proto__', 'prototype', 'constructor', '__defineGetter__', '__lookupGetter__']);

export type Value = unknown;
export const fns: Record<string, { arity: [number, number]; fn: (...a: Value[]) => Value }> = {
  abs: { arity: [1, 1], fn: (x) => Math.abs(num(x)) },
  round: { arity: [1, 1], fn: (x) => Math.round(num(x)) },
  floor: { arity: [1, 1], fn: (x) => Math.floor(num(x)) },
  ceil: { arity: [1, 1], fn: (x) => Math.ceil(num(x)) },
  min: { arity: [1, 10], fn: (...x) => Math.min(...x.map(num)) },
  max: { arity: [1, 10], fn: (...x) => Math.max(...x.map(num)) },
  len: { arity: [1, 1], fn: (x) => (typeof x === 'string' || Array.isArray(x) ? x.length : 0) },
  lower: { arity: [1, 1], fn: (x) => String(x ?? '').toLowerCase() },
  upper: { arity: [1, 1], fn: (x) => String(x ?? '').toUpperCase() },
  contains: {
    arity: [2, 2],
    fn: (s, x) => (Array.isArray(s) ? s.some((i) => i === x) : String(s ?? '').includes(String(x))),
  },
  startsWith: { arity: [2, 2], fn: (s, x) => String(s ?? '').startsWith(String(x)) },
  exists: { arity: [1, 1], fn: (x) => x !== undefined && x !== null },
  now: { arity: [0, 0], fn: () => Date.now() },
};

export function num(x: Value): number {
  if (typeof x === 'number') return x;
  throw new ExpressionError(`expected a number, got ${x === null ? 'null' : typeof x}`);
}
