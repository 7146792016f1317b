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

/** A fake of the test code that a handler call needs: sent to the sandbox, answered by the `fake` action. */
interface FakeRequest {
  id: number;
  kind: 'services' | 'data' | 'fetch';
  name: string;
  args: unknown[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface HostEntry {
  host?: TestHost;
  sent: Record<'calls' | 'events' | 'audit' | 'logs', number>;
  /** Handler calls under way by the test code's token, each resolving to its answer. */
  calls: Map<number, Promise<Json>>;
  requests: FakeRequest[];
  /** Rung when a fake is requested, so a waiting call answers with it. */
  bell: { rung: Promise<void>; ring: () => void };
}

function newBell(): HostEntry['bell'] {
  let ring = () => {};
  const rung = new Promise<void>((resolve) => {
    ring = resolve;
  });
  return { rung, ring };
}

const WAKE = Symbol('wake');

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
 * real test host, running the package's handlers in the same pool against fakes and fixtures (fakes the test code
 * gives as functions run in the sandbox, asked for while a handler call runs). A run that loops,
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
  const hosts = new Map<number, HostEntry>();
  const asked = new Map<number, FakeRequest>();
  let nextFake = 1;
  const result: TestRunResult = { total: 0, passed: 0, failed: 0, skipped: 0, failures: [] };
  let running: string | undefined;
  let nextHost = 1;

  const entry = (id: unknown) => {
    const h = hosts.get(Number(id));
    if (!h?.host) throw noHostAccess('closed host');
    return h;
  };

  /** The answer of a call once it is done, or the next fake its handler (or another under way) needs first. */
  const next = async (h: HostEntry, token: number): Promise<Json> => {
    const done = h.calls.get(token);
    if (!done) throw noHostAccess('unknown call');
    for (;;) {
      const req = h.requests.shift();
      if (req) {
        asked.set(req.id, req);
        return { fake: { id: req.id, kind: req.kind, name: req.name, args: req.args } };
      }
      const r = await Promise.race([done, h.bell.rung.then(() => WAKE)]);
      if (typeof r !== 'symbol') {
        h.calls.delete(token);
        return r;
      }
    }
  };

  const state = (id: number) => {
    const h = hosts.get(id);
    if (!h) throw noHostAccess('closed host');
    const host = h.host as TestHost;
    const delta = (k: 'calls' | 'events' | 'audit' | 'logs') => {
      const list = host[k] as unknown[];
      const out = list.slice(h.sent[k]);
      h.sent[k] = list.length;
      return out;
    };
    const records = Object.fromEntries(Object.keys(input.manifest.collections ?? {}).map((c) => [c, host.records(c)]));
    return { records, calls: delta('calls'), events: delta('events'), audit: delta('audit'), logs: delta('logs') };
  };

  const actions: Record<string, (a: Json) => Promise<unknown>> = {
    create: async (a) => {
      const given = (a.options ?? {}) as Json;
      const wanted = (a.fakes ?? {}) as { services?: string[]; data?: string[]; fetch?: boolean };
      const id = nextHost++;
      const h: HostEntry = {
        sent: { calls: 0, events: 0, audit: 0, logs: 0 },
        calls: new Map(),
        requests: [],
        bell: newBell(),
      };
      hosts.set(id, h);
      // The test code's fakes, run in the sandbox when a handler reaches them.
      const ask =
        (kind: FakeRequest['kind'], name: string) =>
        (...args: unknown[]) =>
          new Promise((resolve, reject) => {
            h.requests.push({ id: nextFake++, kind, name, args: JSON.parse(JSON.stringify(args)), resolve, reject });
            const old = h.bell;
            h.bell = newBell();
            old.ring();
          });
      const fakesFor = (kind: 'services' | 'data', names: unknown) =>
        Object.fromEntries((Array.isArray(names) ? names : []).map((n) => [String(n), ask(kind, String(n))]));
      const opts: TestHostOptions = {
        manifest: input.manifest,
        bundle: input.bundle,
        pool: input.pool,
        services: fakesFor('services', wanted.services),
        data: fakesFor('data', wanted.data),
        ...(wanted.fetch ? { fetch: ask('fetch', 'fetch') as TestHostOptions['fetch'] } : {}),
      };
      for (const k of passedOptions) if (given[k] !== undefined) Object.assign(opts, { [k]: given[k] });
      h.host = await createTestHost(opts);
      return { host: id, manifest: input.manifest, state: state(id) };
    },
    call: async (a) => {
      const h = entry(a.host);
      const host = h.host as TestHost;
      const token = Number(a.token);
      h.calls.set(
        token,
        host.call(String(a.handler), a.input, { user: a.user as TestCaller | undefined }).then(
          (value) => ({ ok: true, value, state: state(Number(a.host)) }),
          (err) => ({ ok: false, error: errorJson(err), state: state(Number(a.host)) }),
        ),
      );
      return next(h, token);
    },
    fake: async (a) => {
      const h = entry(a.host);
      const req = asked.get(Number(a.id));
      asked.delete(Number(a.id));
      const r = (a.result ?? {}) as { ok?: boolean; value?: unknown; error?: Json };
      if (req && r.ok) req.resolve(r.value);
      else if (req) req.reject(Object.assign(new Error(String(r.error?.message ?? 'the fake failed')), r.error));
      return next(h, Number(a.token));
    },
    close: async (a) => {
      const h = hosts.get(Number(a.host));
      hosts.delete(Number(a.host));
      await h?.host?.close();
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
    for (const req of asked.values()) req.reject(new Error('the test run has ended'));
    for (const h of hosts.values()) for (const req of h.requests) req.reject(new Error('the test run has ended'));
    await Promise.all([...hosts.values()].map((h) => h.host?.close().catch(() => {})));
  }
  return result;
}
