import ivm from 'isolated-vm';
import { guestBootstrap } from './guest.ts';
import type { GuestFailure, LogLine, SandboxLimits } from './protocol.ts';

/** Asks the host to run one bridge operation for an invocation; resolves with the JSON answer of the bridge. */
export type BridgeSender = (invocation: number, op: string, args: string) => Promise<string>;

export type Outcome =
  | { ok: true; value: string; logs: LogLine[]; cpuUs: number }
  | { ok: false; error: GuestFailure; logs: LogLine[]; cpuUs: number };

interface Loaded {
  isolate: ivm.Isolate;
  script: ivm.Script;
  memoryMb: number;
  /** Invocations running in this isolate, shared with its contexts: a bridge call may wait in place only when alone. */
  running: Int32Array;
  /** One context per community, so a plugin's globals never carry one community's data into another's call. */
  contexts: Map<string, Promise<ivm.Reference<(...a: unknown[]) => Promise<unknown>>>>;
  /** Set when the watchdog or the heap limit ended the isolate, to name the reason in every pending answer. */
  killedFor?: GuestFailure['kind'];
}

const maxContextsPerIsolate = 64;

/** The isolates of one sandbox process: one per plugin version, warm between calls, rebuilt after a kill. */
export class Isolates {
  readonly #loaded = new Map<string, Loaded>();
  readonly #codes = new Map<string, string>();
  readonly #send: BridgeSender;

  constructor(send: BridgeSender) {
    this.#send = send;
  }

  has(key: string): boolean {
    return this.#codes.has(key);
  }

  setCode(key: string, code: string): void {
    this.#codes.set(key, code);
  }

  unload(key: string): void {
    this.#codes.delete(key);
    this.#dispose(key);
  }

  stats() {
    let contexts = 0;
    let heapBytes = 0;
    for (const l of this.#loaded.values()) {
      contexts += l.contexts.size;
      if (!l.isolate.isDisposed) {
        const h = l.isolate.getHeapStatisticsSync();
        heapBytes += h.used_heap_size + h.externally_allocated_size;
      }
    }
    return { isolates: this.#loaded.size, contexts, heapBytes };
  }

  #dispose(key: string, only?: Loaded) {
    const l = this.#loaded.get(key);
    if (!l || (only && l !== only)) {
      if (only && !only.isolate.isDisposed) only.isolate.dispose();
      return;
    }
    this.#loaded.delete(key);
    if (!l.isolate.isDisposed) l.isolate.dispose();
  }

  async #load(key: string, memoryMb: number): Promise<Loaded> {
    const existing = this.#loaded.get(key);
    if (existing && !existing.isolate.isDisposed && existing.memoryMb === memoryMb) return existing;
    if (existing) this.#dispose(key);
    const code = this.#codes.get(key);
    if (code === undefined) throw new Error(`no code loaded for ${key}`);
    const isolate = new ivm.Isolate({ memoryLimit: memoryMb });
    const script = await isolate.compileScript(code, { filename: `plugin:${key}` });
    const running = new Int32Array(new SharedArrayBuffer(4));
    const loaded: Loaded = { isolate, script, memoryMb, running, contexts: new Map() };
    this.#loaded.set(key, loaded);
    return loaded;
  }

  async #context(loaded: Loaded, community: string, limits: SandboxLimits) {
    let ref = loaded.contexts.get(community);
    if (!ref) {
      if (loaded.contexts.size >= maxContextsPerIsolate) {
        const [oldest] = loaded.contexts.keys();
        const old = loaded.contexts.get(oldest);
        loaded.contexts.delete(oldest);
        void old?.then((r) => r.release()).catch(() => {});
      }
      ref = (async () => {
        const context = await loaded.isolate.createContext();
        const bridge = new ivm.Reference((inv: number, op: string, args: string) => this.#send(inv, op, args));
        // A copied SharedArrayBuffer shares its memory, so the guest reads the count the host keeps.
        const shared = new ivm.ExternalCopy(loaded.running.buffer).copyInto({ release: true });
        await context.evalClosure(guestBootstrap, [bridge, shared], {});
        await loaded.script.run(context, { timeout: limits.cpuMs });
        return (await context.global.get('__shequInvoke', { reference: true })) as ivm.Reference<
          (...a: unknown[]) => Promise<unknown>
        >;
      })();
      loaded.contexts.set(community, ref);
      ref.catch(() => loaded.contexts.delete(community));
    } else {
      // Keep recently used contexts last so the oldest is evicted first.
      loaded.contexts.delete(community);
      loaded.contexts.set(community, ref);
    }
    return ref;
  }

  /** Lists the handler names the bundle exports (used at install to check the manifest against the bundle). */
  async handlers(key: string, limits: SandboxLimits): Promise<string[]> {
    const loaded = await this.#load(key, limits.memoryMb);
    const context = await loaded.isolate.createContext();
    try {
      await context.evalClosure(guestBootstrap, [new ivm.Reference(() => ''), undefined], {});
      await loaded.script.run(context, { timeout: limits.cpuMs });
      const text = await context.eval('__shequHandlers()', { timeout: limits.cpuMs, copy: true });
      return JSON.parse(String(text));
    } finally {
      context.release();
    }
  }

  async invoke(
    id: number,
    key: string,
    community: string,
    handler: string,
    input: string,
    meta: string,
    limits: SandboxLimits,
  ): Promise<Outcome> {
    let loaded: Loaded | undefined;
    let cpuStart = 0n;
    const cpuUs = () =>
      loaded && !loaded.isolate.isDisposed ? Number((loaded.isolate.cpuTime - cpuStart) / 1000n) : 0;
    const fail = (kind: GuestFailure['kind'], message: string): Outcome => ({
      ok: false,
      error: { kind, message },
      logs: [],
      cpuUs: cpuUs(),
    });
    let watchdog: NodeJS.Timeout | undefined;
    let wall: NodeJS.Timeout | undefined;
    let counted: Int32Array | undefined;
    try {
      loaded = await this.#load(key, limits.memoryMb);
      const target = loaded;
      // Counted before the context is made: a call waiting in place must see this invocation coming.
      counted = target.running;
      Atomics.add(counted, 0, 1);
      cpuStart = target.isolate.cpuTime;
      const invokeRef = await this.#context(target, community, limits);
      // Synchronous loops are stopped by isolated-vm's timeout; loops after an await only by ending the isolate.
      const step = Math.max(5, Math.min(50, Math.floor(limits.cpuMs / 10)));
      watchdog = setInterval(() => {
        if (target.isolate.isDisposed) return;
        if (target.isolate.cpuTime - cpuStart > BigInt(limits.cpuMs) * 1_000_000n) {
          target.killedFor = 'cpu';
          this.#dispose(key, target);
        }
      }, step);
      const timedOut = new Promise<Outcome>((resolve) => {
        wall = setTimeout(() => resolve(fail('timeout', `no answer within ${limits.wallMs} ms`)), limits.wallMs);
      });
      const run = invokeRef
        .apply(undefined, [id, handler, input, meta], {
          arguments: { copy: true },
          result: { promise: true, copy: true },
          timeout: limits.cpuMs,
        })
        .then((answer: unknown): Outcome => {
          const text = answer as string;
          if (typeof answer !== 'string') return fail('error', 'the sandbox answered with something other than text');
          if (text.length > limits.maxPayloadBytes + 64 * 1024) {
            return fail('payload', `the result is larger than ${limits.maxPayloadBytes} bytes`);
          }
          const res = JSON.parse(text) as { ok: boolean; value?: string; error?: GuestFailure; logs: LogLine[] };
          if (res.ok && (res.value?.length ?? 0) > limits.maxPayloadBytes) {
            return fail('payload', `the result is larger than ${limits.maxPayloadBytes} bytes`);
          }
          return res.ok
            ? { ok: true, value: res.value ?? 'null', logs: res.logs, cpuUs: cpuUs() }
            : { ok: false, error: res.error as GuestFailure, logs: res.logs, cpuUs: cpuUs() };
        });
      return await Promise.race([run, timedOut]);
    } catch (err) {
      return this.#explain(key, loaded, err, limits, cpuUs());
    } finally {
      if (counted) Atomics.sub(counted, 0, 1);
      clearInterval(watchdog);
      clearTimeout(wall);
    }
  }

  #explain(key: string, loaded: Loaded | undefined, err: unknown, limits: SandboxLimits, cpu: number): Outcome {
    const message = err instanceof Error ? err.message : String(err);
    let kind: GuestFailure['kind'] = 'error';
    let text = message;
    if (loaded?.killedFor === 'cpu' || /timed out/i.test(message)) {
      kind = 'cpu';
      text = `used more than its CPU budget of ${limits.cpuMs} ms`;
    } else if (/memory limit/i.test(message) || (loaded?.isolate.isDisposed && !loaded.killedFor)) {
      kind = 'memory';
      text = `used more than its memory limit of ${limits.memoryMb} MB`;
    }
    if (loaded && (loaded.isolate.isDisposed || kind !== 'error')) this.#dispose(key, loaded);
    return { ok: false, error: { kind, message: text }, logs: [], cpuUs: cpu };
  }
}
