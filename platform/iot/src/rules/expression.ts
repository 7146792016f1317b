// The rule condition language: comparisons, boolean logic, arithmetic, field access, `in`, and a few whitelisted
// functions. Parsed into a tree and interpreted — never eval or new Function — and field access reads only own
// properties of plain JSON data, so a hostile expression cannot reach prototypes or code.

import { ExpressionError, fns, forbidden, limits, num, type Value } from './expression-builtins.ts';

export type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'var'; name: string }
  | { t: 'get'; obj: Node; key: Node }
  | { t: 'list'; items: Node[] }
  | { t: 'un'; op: '!' | '-'; a: Node }
  | { t: 'bin'; op: string; a: Node; b: Node }
  | { t: 'call'; fn: string; args: Node[] };

type Tok = { k: 'num' | 'str' | 'id' | 'op'; v: string; pos: number };
const ops = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '!', '(', ')', '[', ']', '.', ','];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (out.length >= limits.maxTokens) throw new ExpressionError(`more than ${limits.maxTokens} tokens`, i);
    const start = i;
    if (/[0-9]/.test(c)) {
      while (i < src.length && /[0-9._]/.test(src[i])) i++;
      const v = src.slice(start, i).replaceAll('_', '');
      if (!/^\d+(\.\d+)?$/.test(v)) throw new ExpressionError(`bad number "${src.slice(start, i)}"`, start);
      out.push({ k: 'num', v, pos: start });
    } else if (c === '"' || c === "'") {
      i++;
      let s = '';
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < src.length) i++;
        s += src[i++];
      }
      if (i >= src.length) throw new ExpressionError('unterminated string', start);
      i++;
      out.push({ k: 'str', v: s, pos: start });
    } else if (/[A-Za-z_$\u4e00-\u9fff]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_$\u4e00-\u9fff]/.test(src[i])) i++;
      out.push({ k: 'id', v: src.slice(start, i), pos: start });
    } else {
      const op = ops.find((o) => src.startsWith(o, i));
      if (!op) throw new ExpressionError(`unexpected character "${c}"`, i);
      i += op.length;
      out.push({ k: 'op', v: op, pos: start });
    }
  }
  return out;
}

/** Parses an expression; throws ExpressionError (with a position) for anything outside the language. */
export function parseExpression(src: string): Node {
  if (typeof src !== 'string') throw new ExpressionError('the expression must be a string');
  if (src.length > limits.maxLength) throw new ExpressionError(`longer than ${limits.maxLength} characters`);
  const toks = tokenize(src);
  let p = 0;
  let depth = 0;
  const peek = () => toks[p];
  const is = (v: string) => toks[p] && (toks[p].k === 'op' || toks[p].k === 'id') && toks[p].v === v;
  const expect = (v: string) => {
    if (!is(v)) throw new ExpressionError(`expected "${v}"`, toks[p]?.pos ?? src.length);
    p++;
  };
  const nest = <T>(f: () => T): T => {
    if (++depth > limits.maxDepth) throw new ExpressionError(`nested deeper than ${limits.maxDepth}`, peek()?.pos);
    try {
      return f();
    } finally {
      depth--;
    }
  };
  const checkName = (name: string, pos: number) => {
    if (forbidden.has(name)) throw new ExpressionError(`"${name}" is not allowed`, pos);
  };
  const binary = (next: () => Node, table: Record<string, string>): (() => Node) => {
    return () => {
      let a = next();
      for (;;) {
        const t = peek();
        const op = t && (t.k === 'op' || t.k === 'id') && Object.hasOwn(table, t.v) ? table[t.v] : undefined;
        if (!op) return a;
        p++;
        a = { t: 'bin', op, a, b: next() };
      }
    };
  };
  const primary = (): Node =>
    nest(() => {
      const t = peek();
      if (!t) throw new ExpressionError('unexpected end of expression', src.length);
      p++;
      if (t.k === 'num') return { t: 'lit', v: Number(t.v) };
      if (t.k === 'str') {
        if (t.v.length > limits.maxString) throw new ExpressionError('string literal too long', t.pos);
        return { t: 'lit', v: t.v };
      }
      if (t.k === 'id') {
        if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' };
        if (t.v === 'null') return { t: 'lit', v: null };
        checkName(t.v, t.pos);
        if (is('(')) {
          const f = fns[t.v];
          if (!f || !Object.hasOwn(fns, t.v)) throw new ExpressionError(`unknown function "${t.v}"`, t.pos);
          p++;
          const args: Node[] = [];
          if (!is(')')) {
            do args.push(expr());
            while (is(',') && ++p);
          }
          expect(')');
          if (args.length < f.arity[0] || args.length > f.arity[1])
            throw new ExpressionError(`${t.v}() takes ${f.arity.join('–')} arguments`, t.pos);
          return { t: 'call', fn: t.v, args };
        }
        return { t: 'var', name: t.v };
      }
      if (t.v === '(') {
        const e = expr();
        expect(')');
        return e;
      }
      if (t.v === '[') {
        const items: Node[] = [];
        if (!is(']')) {
          do items.push(expr());
          while (is(',') && ++p);
        }
        expect(']');
        return { t: 'list', items };
      }
      throw new ExpressionError(`unexpected "${t.v}"`, t.pos);
    });
  const postfix = (): Node => {
    let n = primary();
    for (;;) {
      if (is('.')) {
        p++;
        const t = peek();
        if (t?.k !== 'id') throw new ExpressionError('expected a field name after "."', t?.pos ?? src.length);
        checkName(t.v, t.pos);
        p++;
        n = { t: 'get', obj: n, key: { t: 'lit', v: t.v } };
      } else if (is('[')) {
        p++;
        const key = nest(expr);
        expect(']');
        if (key.t === 'lit' && typeof key.v === 'string') checkName(key.v, peek()?.pos ?? src.length);
        n = { t: 'get', obj: n, key };
      } else return n;
    }
  };
  const unary = (): Node =>
    nest(() => {
      if (is('!') || is('not')) {
        p++;
        return { t: 'un', op: '!', a: unary() };
      }
      if (is('-')) {
        p++;
        return { t: 'un', op: '-', a: unary() };
      }
      return postfix();
    });
  const mul = binary(unary, { '*': '*', '/': '/', '%': '%' });
  const add = binary(mul, { '+': '+', '-': '-' });
  const cmp = (): Node => {
    const a = add();
    const t = peek();
    if (t && ['==', '!=', '<', '<=', '>', '>=', 'in'].includes(t.v) && (t.k === 'op' || t.v === 'in')) {
      p++;
      return { t: 'bin', op: t.v, a, b: add() };
    }
    if (is('not') && toks[p + 1]?.v === 'in') {
      p += 2;
      return { t: 'un', op: '!', a: { t: 'bin', op: 'in', a, b: add() } };
    }
    return a;
  };
  const and = binary(cmp, { '&&': '&&', and: '&&' });
  const or = binary(and, { '||': '||', or: '||' });
  const expr = (): Node => nest(or);
  if (toks.length === 0) return { t: 'lit', v: true };
  const tree = expr();
  if (p < toks.length) throw new ExpressionError(`unexpected "${toks[p].v}"`, toks[p].pos);
  return tree;
}

function get(obj: Value, key: Value): Value {
  if (obj === null || obj === undefined) return undefined;
  if (Array.isArray(obj)) return typeof key === 'number' && Number.isInteger(key) ? obj[key] : undefined;
  if (typeof obj !== 'object') return undefined;
  const k = String(key);
  if (forbidden.has(k)) throw new ExpressionError(`"${k}" is not allowed`);
  return Object.hasOwn(obj, k) ? (obj as Record<string, Value>)[k] : undefined;
}

function compare(op: string, a: Value, b: Value): boolean {
  if (op === '==') return a === b || (a == null && b == null);
  if (op === '!=') return !(a === b || (a == null && b == null));
  // Ordering compares numbers with numbers and strings with strings only; anything else is false, never coerced.
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')))
    return false;
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  return a >= b;
}

/** Evaluates a parsed expression over JSON data. */
export function evaluate(n: Node, vars: Record<string, Value>): Value {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'var':
      return Object.hasOwn(vars, n.name) ? vars[n.name] : undefined;
    case 'get':
      return get(evaluate(n.obj, vars), evaluate(n.key, vars));
    case 'list':
      return n.items.map((i) => evaluate(i, vars));
    case 'un': {
      const a = evaluate(n.a, vars);
      return n.op === '!' ? !truthy(a) : -num(a);
    }
    case 'call':
      return fns[n.fn].fn(...n.args.map((a) => evaluate(a, vars)));
    case 'bin': {
      if (n.op === '&&') return truthy(evaluate(n.a, vars)) && truthy(evaluate(n.b, vars));
      if (n.op === '||') return truthy(evaluate(n.a, vars)) || truthy(evaluate(n.b, vars));
      const a = evaluate(n.a, vars);
      const b = evaluate(n.b, vars);
      if (n.op === 'in')
        return Array.isArray(b) ? b.some((x) => x === a) : typeof b === 'string' && b.includes(String(a));
      if (n.op === '+' && (typeof a === 'string' || typeof b === 'string')) {
        const s = String(a ?? '') + String(b ?? '');
        if (s.length > limits.maxString) throw new ExpressionError('string result too long');
        return s;
      }
      if (['+', '-', '*', '/', '%'].includes(n.op)) {
        const x = num(a);
        const y = num(b);
        if (n.op === '+') return x + y;
        if (n.op === '-') return x - y;
        if (n.op === '*') return x * y;
        if (n.op === '/') return x / y;
        return x % y;
      }
      return compare(n.op, a, b);
    }
  }
}

const truthy = (v: Value) => v !== false && v !== null && v !== undefined && v !== 0 && v !== '';

const compiled = new Map<string, Node>();
/** Parses (once per distinct text, cached) and evaluates a condition to a boolean; an empty condition is true. */
export function conditionHolds(src: string, vars: Record<string, Value>): boolean {
  let tree = compiled.get(src);
  if (!tree) {
    tree = parseExpression(src);
    if (compiled.size > 5000) compiled.clear();
    compiled.set(src, tree);
  }
  return truthy(evaluate(tree, vars));
}

/** The reason an expression is not valid, or null. */
export function expressionProblem(src: string): string | null {
  try {
    parseExpression(src);
    return null;
  } catch (err) {
    if (err instanceof ExpressionError) return `${err.message} (at ${err.position})`;
    throw err;
  }
}

export { truthy };
