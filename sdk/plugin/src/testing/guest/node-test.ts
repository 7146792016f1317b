/**
 * `node:test` as the plugin's tests see it when the platform runs them in the sandbox (see bundle-tests.ts): the
 * same `test` / `describe` / hook names, collected here and run one after the other by runner.ts.
 */

type Fn = (t: TestContext) => unknown;
type Hook = () => unknown;

/** The test context passed to a test function; only what makes sense without the Node process. */
export interface TestContext {
  readonly name: string;
  diagnostic(message: string): void;
  skip(message?: string): void;
  todo(message?: string): void;
}

export interface TestEntry {
  kind: 'test';
  name: string;
  fn?: Fn;
  skip: boolean;
}

export interface Suite {
  kind: 'suite';
  name: string;
  skip: boolean;
  children: (TestEntry | Suite)[];
  before: Hook[];
  after: Hook[];
  beforeEach: Hook[];
  afterEach: Hook[];
  /** A describe callback that returned a promise: awaited before any test runs. */
  pending: Promise<unknown>[];
}

const newSuite = (name: string, skip: boolean): Suite => ({
  kind: 'suite',
  name,
  skip,
  children: [],
  before: [],
  after: [],
  beforeEach: [],
  afterEach: [],
  pending: [],
});

/** Every test and suite the bundle declared, in declaration order. */
export const root: Suite = newSuite('', false);
let current = root;

type Options = { skip?: boolean | string; todo?: boolean | string; only?: boolean };

function args(a: unknown, b: unknown, c: unknown): { name: string; opts: Options; fn?: Fn } {
  const list = [a, b, c].filter((x) => x !== undefined);
  const name = typeof list[0] === 'string' ? (list.shift() as string) : '<anonymous>';
  const opts = list[0] && typeof list[0] === 'object' ? (list.shift() as Options) : {};
  return { name, opts, fn: typeof list[0] === 'function' ? (list[0] as Fn) : undefined };
}

function addTest(a: unknown, b?: unknown, c?: unknown, skip = false): Promise<void> {
  const { name, opts, fn } = args(a, b, c);
  current.children.push({ kind: 'test', name, fn, skip: skip || !!opts.skip || !!opts.todo || !fn });
  return Promise.resolve();
}

function addSuite(a: unknown, b?: unknown, c?: unknown, skip = false): Promise<void> {
  const { name, opts, fn } = args(a, b, c);
  const suite = newSuite(name, skip || !!opts.skip || !!opts.todo);
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    const out = fn?.({} as TestContext);
    if (out && typeof (out as Promise<unknown>).then === 'function') suite.pending.push(out as Promise<unknown>);
  } finally {
    current = parent;
  }
  return Promise.resolve();
}

type Declare = ((a: unknown, b?: unknown, c?: unknown) => Promise<void>) & {
  skip: (a: unknown, b?: unknown, c?: unknown) => Promise<void>;
  todo: (a: unknown, b?: unknown, c?: unknown) => Promise<void>;
  only: (a: unknown, b?: unknown, c?: unknown) => Promise<void>;
};

const declare = (add: typeof addTest): Declare =>
  Object.assign((a: unknown, b?: unknown, c?: unknown) => add(a, b, c), {
    skip: (a: unknown, b?: unknown, c?: unknown) => add(a, b, c, true),
    todo: (a: unknown, b?: unknown, c?: unknown) => add(a, b, c, true),
    only: (a: unknown, b?: unknown, c?: unknown) => add(a, b, c),
  });

export const test = declare(addTest);
export const it = test;
export const describe = declare(addSuite);
export const suite = describe;
export const before = (fn: Hook) => void current.before.push(fn);
export const after = (fn: Hook) => void current.after.push(fn);
export const beforeEach = (fn: Hook) => void current.beforeEach.push(fn);
export const afterEach = (fn: Hook) => void current.afterEach.push(fn);

const unsupported = (what: string) => () => {
  throw new Error(`${what} is not available when the platform runs the tests in the sandbox`);
};
export const mock = new Proxy({}, { get: (_, k) => unsupported(`mock.${String(k)}`) });
export const run = unsupported('run()');
export default test;
