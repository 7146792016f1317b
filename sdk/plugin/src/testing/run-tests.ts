import { AppError } from '@shequ/core';
import { defaultLimits, type SandboxPool } from '@shequ/runtime';
import type { PluginManifest } from '@shequ/schemas';
import { createTestHost, type TestCaller, type TestHost, type TestHostOptions } from './test-host.ts';

/** Budgets of one whole run of a package's tests (all tests together, in one sandbox invocation). */
export interface TestRunLimits {
  /** CPU time of the test code itself; the handlers it calls have the runtime's per-call budgets as usual. */
  cpuMs: number;
  /** Wall-clock time of the whole run, handler calls included. */
  wallMs: number;
  /** Heap of the isolate running the test code, in MB: the runtime's budget. */
  memoryMb: number;
}

export const defaultTestRunLimits: TestRunLimits = { cpuMs: 20_000, wallMs: 120_000, memoryMb: defaultLimits.memoryMb };

/** What a run of packaged tests found. `stopped` is set when the run did not finish (time, memory, load error). */
export interface TestRunResult {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Failed tests by full name (`suite › test`) with the error's message. */
  failures: { name: string; message: string }[];
  stopped?: { kind: string; message: string; running?: string };
}

type Json = Record<string, unknown>;

/** Options a test may give createTestHost in the sandbox: data only; the package, limits and pool are the platform's. */
const passedOptions = ['fixtures', 'grants', 'community', 'settings', 'locale'] as const;

const errorJson = (err: unknown): Json => {
  const e = err as Json & Error;
  const out: Json = { name: e?.name ?? 'Error', message: e?.message ?? String(err) };
  for (const k of ['code', 'messageZh', 'messageEn', 'fieldErrors', 'isPublic', 'status'])
    if (e && e[k] !== undefined) out[k] = e[k];
  return out;
};

const noHostAccess = (op: string) =>
  new AppError('FORBIDDEN', {
    zh: `测试代码不能访问平台（${op}）`,
    en: `The test code has no access to the platform (${op}); it reaches the plugin only through createTestHost`,
  });

/**
 * Runs a package's test bundle (`tests.js`, built by `shequ-plugin pack`) in the sandbox: the test code runs in an
 * isolate of `pool` under `limits`, with no network and no host access; each `createTestHost` it makes is the SDK's
 * real test host, running the package's handlers in the same pool against fakes and fixtures. A run that loops,
 * exhausts its memory or does not load is stopped and reported, never thrown.
 */
export async function runPackagedTests(input: {
  pool: SandboxPool;
  manifest: PluginManifest;
  bundle: string;
  tests: string;
  limits?: Partial<TestRunLimits>;
}): Promise<TestRunResult> {
  const limits = { ...defaultTestRunLimits, ...input.limits };
  const hosts = new Map<number, { host: TestHost; sent: Record<'calls' | 'events' | 'audit' | 'logs', number> }>();
  const result: TestRunResult = { total: 0, passed: 0, failed: 0, skipped: 0, failures: [] };
  let running: string | undefined;
  let nextHost = 1;

  const state = (id: number) => {
    const h = hosts.get(id);
    if (!h) throw noHostAccess('closed host');
    const delta = (k: 'calls' | 'events' | 'audit' | 'logs') => {
      const list = h.host[k] as unknown[];
      const out = list.slice(h.sent[k]);
      h.sent[k] = list.length;
      return out;
    };
    const records = Object.fromEntries(
      Object.keys(input.manifest.collections ?? {}).map((c) => [c, h.host.records(c)]),
    );
    return { records, calls: delta('calls'), events: delta('events'), audit: delta('audit'), logs: delta('logs') };
  };

  const actions: Record<string, (a: Json) => Promise<unknown>> = {
    create: async (a) => {
      const given = (a.options ?? {}) as Json;
      const opts: TestHostOptions = { manifest: input.manifest, bundle: input.bundle, pool: input.pool };
      for (const k of passedOptions) if (given[k] !== undefined) Object.assign(opts, { [k]: given[k] });
      const id = nextHost++;
      hosts.set(id, { host: await createTestHost(opts), sent: { calls: 0, events: 0, audit: 0, logs: 0 } });
      return { host: id, manifest: input.manifest, state: state(id) };
    },
    call: async (a) => {
      const h = hosts.get(Number(a.host));
      if (!h) throw noHostAccess('closed host');
      try {
        const value = await h.host.call(String(a.handler), a.input, { user: a.user as TestCaller | undefined });
        return { ok: true, value, state: state(Number(a.host)) };
      } catch (err) {
        return { ok: false, error: errorJson(err), state: state(Number(a.host)) };
      }
    },
    close: async (a) => {
      const h = hosts.get(Number(a.host));
      hosts.delete(Number(a.host));
      await h?.host.close();
    },
    started: async (a) => {
      running = String(a.name);
    },
    result: async (a) => {
      running = undefined;
      const outcome = String(a.outcome);
      result.total++;
      if (outcome === 'pass') result.passed++;
      else if (outcome === 'skip') result.skipped++;
      else {
        result.failed++;
        result.failures.push({ name: String(a.name), message: String(a.message ?? '') });
      }
    },
  };

  const key = `${input.manifest.id}@${input.manifest.version}#tests`;
  try {
    const outcome = await input.pool.invoke({
      key,
      code: () => input.tests,
      context: 'tests',
      handler: '__runTests',
      input: null,
      meta: {
        community: { id: '00000000-0000-4000-8000-00000000c0de', code: 'test' },
        plugin: { id: input.manifest.id, version: input.manifest.version },
        user: null,
        settings: {},
      },
      limits: { ...limits, maxBridgeCalls: 100_000, maxPayloadBytes: 4 * 1024 * 1024 },
      bridge: async (op, args) => {
        const a = args as { service?: string; action?: string; args?: Json };
        const act = op === 'services.call' && a.service === '__tests' ? actions[String(a.action)] : undefined;
        if (!act) throw noHostAccess(op === 'services.call' ? `${a.service}.${a.action}` : op);
        return act(a.args ?? {});
      },
    });
    if (!outcome.ok) {
      const e = outcome.error;
      result.stopped = {
        kind: e.kind,
        message: e.kind === 'timeout' ? `no end within ${limits.wallMs} ms` : e.message,
      };
      if (running !== undefined) {
        result.total++;
        result.failed++;
        result.failures.push({ name: running, message: `stopped: ${result.stopped.message}` });
        result.stopped.running = running;
      }
    }
  } finally {
    input.pool.unload(key);
    await Promise.all([...hosts.values()].map((h) => h.host.close().catch(() => {})));
  }
  return result;
}
