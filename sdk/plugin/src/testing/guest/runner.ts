/**
 * The entry of a packaged test bundle: a plugin-shaped bundle whose one handler `__runTests` runs every collected
 * test in order and reports each start and result on the test channel as it goes, so that a run stopped for time or
 * memory still says which tests passed and which one was running.
 */
import { type Channel, send, setChannel } from './channel.ts';
import { root, type Suite, type TestContext, type TestEntry } from './node-test.ts';

type Hook = () => unknown;
type Summary = { passed: number; failed: number; skipped: number };

const describeError = (e: unknown) => {
  const err = e as { name?: unknown; message?: unknown };
  const text =
    err instanceof Error || (err && typeof err.message === 'string') ? `${err.name}: ${err.message}` : String(e);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
};

async function runHooks(hooks: Hook[]) {
  for (const h of hooks) await h();
}

function allTests(s: Suite, path: string[]): string[] {
  return s.children.flatMap((c) =>
    c.kind === 'test' ? [[...path, c.name].join(' › ')] : allTests(c, [...path, c.name]),
  );
}

async function report(sum: Summary, name: string, outcome: 'pass' | 'fail' | 'skip', message?: string) {
  if (outcome === 'pass') sum.passed++;
  else if (outcome === 'fail') sum.failed++;
  else sum.skipped++;
  await send('result', { name, outcome, message });
}

async function runTest(t: TestEntry, name: string, each: { before: Hook[]; after: Hook[] }, sum: Summary) {
  if (t.skip || !t.fn) return report(sum, name, 'skip');
  await send('started', { name });
  let skipped = false;
  const ctx: TestContext = {
    name: t.name,
    diagnostic: () => {},
    skip: () => {
      skipped = true;
    },
    todo: () => {
      skipped = true;
    },
  };
  let failure: unknown;
  let failed = false;
  try {
    await runHooks(each.before);
    await t.fn(ctx);
  } catch (e) {
    failed = true;
    failure = e;
  }
  try {
    await runHooks(each.after);
  } catch (e) {
    if (!failed) {
      failed = true;
      failure = e;
    }
  }
  if (failed) return report(sum, name, 'fail', describeError(failure));
  return report(sum, name, skipped ? 'skip' : 'pass');
}

async function runSuite(s: Suite, path: string[], each: { before: Hook[]; after: Hook[] }, sum: Summary) {
  if (s.skip) {
    for (const name of allTests(s, path)) await report(sum, name, 'skip');
    return;
  }
  const inner = { before: [...each.before, ...s.beforeEach], after: [...s.afterEach, ...each.after] };
  try {
    await Promise.all(s.pending);
    await runHooks(s.before);
  } catch (e) {
    const why = `a before hook of "${path.join(' › ') || 'the file'}" failed: ${describeError(e)}`;
    for (const name of allTests(s, path)) await report(sum, name, 'fail', why);
    await runHooks(s.after).catch(() => {});
    return;
  }
  for (const c of s.children) {
    if (c.kind === 'test') await runTest(c, [...path, c.name].join(' › '), inner, sum);
    else await runSuite(c, [...path, c.name], inner, sum);
  }
  try {
    await runHooks(s.after);
  } catch (e) {
    await report(sum, `${path.join(' › ') || 'the file'} (after hook)`, 'fail', describeError(e));
  }
}

type TestsCtx = { services: { __tests: Record<string, (args: unknown) => Promise<unknown>> } };

/** The handlers of a test bundle; `__runTests` resolves to the counts once every test ran. */
export const plugin = {
  handlers: {
    async __runTests(_input: unknown, ctx: TestsCtx): Promise<Summary> {
      const channel: Channel = (action, args) => ctx.services.__tests[action](args);
      setChannel(channel);
      const sum: Summary = { passed: 0, failed: 0, skipped: 0 };
      await runSuite(root, [], { before: [], after: [] }, sum);
      return sum;
    },
  },
};
