import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SandboxPool } from './pool.ts';

const bundle = (handlers: string) => `globalThis.__shequPlugin = { plugin: { handlers: { ${handlers} } } };`;

const good = bundle(`
  echo: async (input, ctx) => ({ input, community: ctx.community.code, user: ctx.user }),
  add: async (input) => input.a + input.b,
  viaBridge: async (input, ctx) => { ctx.log.info('asking', input.n); return await ctx.services.message.send({ n: input.n }); },
  counter: async () => { globalThis.count = (globalThis.count || 0) + 1; return globalThis.count; },
`);

const hostile = bundle(`
  loop: async () => { for (;;) {} },
  loopLater: async () => { await null; for (;;) {} },
  heapBomb: async () => { const a = []; for (;;) a.push({ x: 'x'.repeat(1000) + a.length }); },
  bufferBomb: async () => { const bufs = []; for (let i = 0; i < 1000; i++) bufs.push(new ArrayBuffer(64 * 1024 * 1024)); return bufs.length; },
  recurse: async () => { const f = (n) => f(n + 1) + 1; return f(0); },
  huge: async () => 'x'.repeat(2 * 1024 * 1024),
  pollute: async () => { Object.prototype.polluted = 'yes'; Array.prototype.push = () => 0; return ({}).polluted; },
  escape: async () => ({
    require: typeof require, process: typeof process, module: typeof module,
    fnProcess: (function () { try { return typeof Function('return this')().process; } catch (e) { return 'error'; } })(),
    ctorProcess: (function () { try { return typeof ({}).constructor.constructor('return process')(); } catch (e) { return 'error ' + e.message; } })(),
  }),
  ungranted: async (input, ctx) => ctx.services.payment.charge({ fen: 100 }),
  flood: async (input, ctx) => { for (let i = 0; i < 1000; i++) await ctx.services.message.send({ i }); },
  throwNumber: async () => { throw 42; },
  throwNull: async () => { throw null; },
  throwObject: async () => { throw { toString() { throw new Error('no'); } }; },
  returnFunction: async () => ({ ok: true, cb: () => 1 }),
  never: () => new Promise(() => {}),
  appError: async () => { const e = new Error('bad title'); e.shequCode = 'INVALID_INPUT'; e.zh = '标题太长'; e.en = 'Title too long'; throw e; },
  crash: async (input, ctx) => ctx.services.crash.now({}),
`);

const waits = bundle(`
  serial: async (input, ctx) => { for (let i = 0; i < input.n; i++) await ctx.services.slow.wait({ i }); return input.n; },
  fanOut: async (input, ctx) => (await Promise.all([1, 2, 3].map((i) => ctx.services.slow.wait({ i })))).length,
`);

let pool: SandboxPool;
let crashes = 0;
const calls: Array<{ op: string; args: unknown }> = [];
const meta = {
  community: { id: 'c1', code: 'demo' },
  plugin: { id: 'x', version: '1.0.0' },
  user: { id: 'u1', name: '王*' },
};

const bridge = async (op: string, args: unknown) => {
  calls.push({ op, args });
  const a = args as { service?: string; action?: string };
  if (a.service === 'message') return { delivered: true };
  if (a.service === 'slow') return new Promise((resolve) => setTimeout(() => resolve({ waited: true }), 150));
  if (a.service === 'crash') {
    process.kill(pool.pids()[0], 'SIGKILL');
    process.kill(pool.pids()[1], 'SIGKILL');
    return new Promise(() => {});
  }
  throw Object.assign(new Error('forbidden'), {
    code: 'FORBIDDEN',
    messageZh: '未授权',
    messageEn: `service ${a.service} is not granted`,
  });
};

const run = (key: string, code: string, handler: string, input: unknown = {}, context = 'c1', limits = {}) =>
  pool.invoke({ key, code: () => code, context, handler, input, meta, bridge, limits });

before(async () => {
  pool = new SandboxPool({ size: 2, onCrash: () => crashes++ });
  await pool.ready();
});
after(() => pool.close());

test('a handler gets its input and a ctx, and its result comes back as data', async () => {
  const out = await run('good@1', good, 'echo', { hello: '你好' });
  assert.deepEqual(out.ok && out.value, {
    input: { hello: '你好' },
    community: 'demo',
    user: { id: 'u1', name: '王*' },
  });
  assert.deepEqual((await run('good@1', good, 'add', { a: 2, b: 3 })).ok, true);
});

test('bridge calls reach the host and logs come back', async () => {
  const out = await run('good@1', good, 'viaBridge', { n: 7 });
  assert.ok(out.ok, JSON.stringify(out));
  assert.deepEqual(out.value, { delivered: true });
  assert.deepEqual(out.logs, [['info', 'asking 7']]);
  assert.deepEqual(calls.at(-1), { op: 'services.call', args: { service: 'message', action: 'send', args: { n: 7 } } });
});

test('each community has its own globals', async () => {
  assert.deepEqual((await run('good@1', good, 'counter', {}, 'A')).ok && 1, 1);
  const a2 = await run('good@1', good, 'counter', {}, 'A');
  const b1 = await run('good@1', good, 'counter', {}, 'B');
  assert.equal(a2.ok && a2.value, 2);
  assert.equal(b1.ok && b1.value, 1);
});

const failure = async (handler: string, limits = {}) => {
  const out = await run('hostile@1', hostile, handler, {}, 'c1', limits);
  assert.equal(out.ok, false, `${handler} should fail`);
  return out.ok ? undefined : out.error;
};

test('infinite loops are stopped at the CPU budget, before and after an await', async () => {
  const t0 = Date.now();
  assert.equal((await failure('loop', { cpuMs: 200 }))?.kind, 'cpu');
  assert.equal((await failure('loopLater', { cpuMs: 200 }))?.kind, 'cpu');
  assert.ok(Date.now() - t0 < 5000);
  // The plugin now runs in the low-priority quarantine process, where it still answers.
  assert.equal(pool.quarantined('hostile@1'), true);
  assert.equal(pool.quarantined('good@1'), false);
  const out = await run('hostile@1', hostile, 'escape');
  assert.equal(out.ok, true);
});

test('heap and ArrayBuffer bombs hit the memory limit without killing the process', async () => {
  const pids = pool.pids();
  // A generous CPU budget: filling the heap takes CPU time (more on a busy machine), and this test is about memory.
  assert.equal((await failure('heapBomb', { memoryMb: 32, cpuMs: 10_000 }))?.kind, 'memory');
  const buf = await failure('bufferBomb', { memoryMb: 32, cpuMs: 10_000 });
  assert.ok(buf && ['error', 'memory'].includes(buf.kind), JSON.stringify(buf));
  assert.deepEqual(pool.pids(), pids);
});

test('deep recursion, huge results, functions and odd throws are clear failures', async () => {
  assert.match((await failure('recurse'))?.message ?? '', /RangeError: Maximum call stack/);
  assert.equal((await failure('huge'))?.kind, 'payload');
  assert.match((await failure('returnFunction'))?.message ?? '', /holds a function at "cb"/);
  assert.match((await failure('throwNumber'))?.message ?? '', /threw a number 42 instead of an Error/);
  assert.match((await failure('throwNull'))?.message ?? '', /threw null/);
  assert.equal((await failure('throwObject'))?.kind, 'thrown');
  assert.equal((await failure('never', { wallMs: 200 }))?.kind, 'timeout');
});

test('a plugin error with a code keeps its bilingual message', async () => {
  const e = await failure('appError');
  assert.deepEqual([e?.kind, e?.code, e?.zh, e?.en], ['app', 'INVALID_INPUT', '标题太长', 'Title too long']);
});

test('host objects cannot be polluted or escaped from', async () => {
  const out = await run('hostile@1', hostile, 'pollute');
  assert.equal(out.ok && out.value, 'yes');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const esc = await run('hostile@1', hostile, 'escape');
  assert.deepEqual(esc.ok && esc.value, {
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    fnProcess: 'undefined',
    ctorProcess: 'error process is not defined',
  });
});

test('a refused bridge call and a bridge flood are reported', async () => {
  const e = await failure('ungranted');
  assert.deepEqual([e?.kind, e?.code], ['bridge', 'FORBIDDEN']);
  assert.match(e?.message ?? '', /service payment is not granted/);
  const before = calls.length;
  const flood = await failure('flood', { maxBridgeCalls: 50 });
  assert.equal(flood?.code, 'RATE_LIMITED');
  assert.equal(calls.length - before, 50);
});

test('waiting on the host costs no CPU budget and holds up neither other calls nor other invocations', async () => {
  // Each slow call takes 150 ms on the host; three of them are three times the CPU budget of 150 ms.
  const alone = await run('waits@1', waits, 'serial', { n: 3 }, 'c1', { cpuMs: 150 });
  assert.equal(alone.ok && alone.value, 3);
  assert.ok(alone.cpuUs < 150_000, `cpu ${alone.cpuUs} µs`);
  let t = performance.now();
  const fanned = await run('waits@1', waits, 'fanOut');
  assert.equal(fanned.ok && fanned.value, 3);
  assert.ok(performance.now() - t < 400, `three calls at once took ${performance.now() - t} ms, not overlapped`);
  // A second invocation of the same plugin version starting while the first waits must not queue behind all of it.
  t = performance.now();
  const first = run('waits@1', waits, 'serial', { n: 3 });
  await new Promise((resolve) => setTimeout(resolve, 30));
  const [a, b] = await Promise.all([first, run('waits@1', waits, 'serial', { n: 3 }, 'c2')]);
  assert.deepEqual([a.ok && a.value, b.ok && b.value], [3, 3]);
  assert.ok(performance.now() - t < 800, `two invocations took ${performance.now() - t} ms, as if one after the other`);
});

test('a dead sandbox process is replaced and its calls fail cleanly', async () => {
  const old = pool.pids();
  const crashed = await run('crashy@1', hostile, 'crash');
  assert.equal(!crashed.ok && crashed.error.kind, 'crash');
  await pool.ready();
  assert.ok(crashes >= 1);
  assert.notDeepEqual(pool.pids(), old);
  const out = await run('good@1', good, 'add', { a: 1, b: 1 });
  assert.equal(out.ok && out.value, 2);
});

test('the handler list of a bundle is read without running a handler', async () => {
  assert.deepEqual(await pool.handlers('good@1', good), ['echo', 'add', 'viaBridge', 'counter']);
});
