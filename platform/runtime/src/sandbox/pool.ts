import { type ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { defaultLimits, type FromWorker, type GuestFailure, type LogLine, type SandboxLimits } from './protocol.ts';

/** The host side of one invocation's bridge: runs an operation the guest asked for, or throws an AppError-like error. */
export type BridgeHandler = (op: string, args: unknown) => Promise<unknown>;

export interface InvokeRequest {
  /** Plugin id and version (`id@version`): one warm isolate per key. */
  key: string;
  /** The bundle, fetched only when the sandbox process has not loaded the key yet. */
  code: () => string | Promise<string>;
  /** Separate globals per context (the community). */
  context: string;
  handler: string;
  input: unknown;
  meta: unknown;
  limits?: Partial<SandboxLimits>;
  bridge: BridgeHandler;
}

export type InvokeOutcome =
  | { ok: true; value: unknown; logs: LogLine[]; cpuUs: number }
  | { ok: false; error: GuestFailure; logs: LogLine[]; cpuUs: number };

interface Inflight {
  resolve: (o: InvokeOutcome) => void;
  bridge: BridgeHandler;
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  loaded: Set<string>;
  inflight: Map<number, Inflight>;
  stats: Map<number, (s: Extract<FromWorker, { t: 'stats' }>) => void>;
}

export interface PoolOptions {
  /** Sandbox processes (default 2). */
  size?: number;
  /** Called when a sandbox process dies; the pool starts a new one. */
  onCrash?: (info: { index: number; code: number | null; signal: string | null }) => void;
}

/** The shape of errors the bridge may pass back to the guest; anything else becomes a generic failure. */
interface PublicErrorLike {
  code: string;
  messageZh: string;
  messageEn: string;
  isPublic?: boolean;
  fieldErrors?: Record<string, string[]>;
}

function bridgeFailure(err: unknown): GuestFailure {
  const e = err as Partial<PublicErrorLike>;
  if (typeof e?.code === 'string' && typeof e.messageEn === 'string' && e.isPublic !== false) {
    return {
      kind: 'error',
      code: e.code,
      message: e.messageEn,
      zh: e.messageZh,
      en: e.messageEn,
      fieldErrors: e.fieldErrors,
    };
  }
  return {
    kind: 'error',
    code: 'INTERNAL',
    message: 'the platform could not complete the call',
    zh: '平台处理失败',
    en: 'The platform could not complete the call',
  };
}

const QUARANTINE_MS = 10 * 60_000;

const hashKey = (key: string) => {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
};

/**
 * Sandbox processes for plugin handlers. Each plugin version is routed to one process, so its isolate stays warm;
 * a process that dies is replaced and its pending calls answered with a `crash` failure.
 */
export class SandboxPool {
  readonly #size: number;
  readonly #onCrash?: PoolOptions['onCrash'];
  readonly #workers: Worker[] = [];
  /** Plugin versions stopped for CPU recently, and until when they run in the low-priority process. */
  readonly #quarantined = new Map<string, number>();
  #quarantine: Worker | undefined;
  #nextId = 1;
  #closed = false;

  constructor(opts: PoolOptions = {}) {
    this.#size = Math.max(1, opts.size ?? 2);
    this.#onCrash = opts.onCrash;
    for (let i = 0; i < this.#size; i++) this.#workers.push(this.#spawn(i));
  }

  get size(): number {
    return this.#size;
  }

  /** Resolves once every sandbox process is up. */
  async ready(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.ready));
  }

  #spawn(index: number): Worker {
    const child = fork(new URL('./worker-main.ts', import.meta.url), [], {
      execArgv: ['--no-node-snapshot'],
      // Small JSON messages: the json channel is faster than the structured-clone one here.
      serialization: 'json',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (index === this.#size && child.pid) {
      try {
        setPriority(child.pid, 19);
      } catch {
        // Not permitted: the quarantine process still separates the plugin, it just does not yield the CPU.
      }
    }
    let markReady: () => void = () => {};
    const worker: Worker = {
      child,
      ready: new Promise<void>((resolve) => {
        markReady = resolve;
      }),
      loaded: new Set(),
      inflight: new Map(),
      stats: new Map(),
    };
    child.on('message', (raw) => this.#onMessage(worker, raw as FromWorker, markReady));
    child.once('exit', (code, signal) => {
      for (const f of worker.inflight.values()) {
        f.resolve({ ok: false, error: { kind: 'crash', message: 'the sandbox process stopped' }, logs: [], cpuUs: 0 });
      }
      worker.inflight.clear();
      markReady();
      if (this.#closed) return;
      this.#onCrash?.({ index, code, signal });
      if (index === this.#size) this.#quarantine = undefined;
      else this.#workers[index] = this.#spawn(index);
    });
    return worker;
  }

  #onMessage(worker: Worker, m: FromWorker, markReady: () => void) {
    switch (m.t) {
      case 'ready':
        markReady();
        return;
      case 'result': {
        const f = worker.inflight.get(m.id);
        worker.inflight.delete(m.id);
        if (!f) return;
        if (m.ok) f.resolve({ ok: true, value: JSON.parse(m.value), logs: m.logs, cpuUs: m.cpuUs });
        else f.resolve(m);
        return;
      }
      case 'bridge': {
        const f = worker.inflight.get(m.id);
        const reply = (ok: boolean, value?: string, error?: GuestFailure) => {
          if (worker.child.connected) worker.child.send({ t: 'bridge-result', callId: m.callId, ok, value, error });
        };
        if (!f) {
          reply(false, undefined, { kind: 'error', message: 'the invocation has ended' });
          return;
        }
        let args: unknown;
        try {
          args = JSON.parse(m.args);
        } catch {
          reply(false, undefined, { kind: 'error', code: 'INVALID_INPUT', message: 'arguments are not JSON' });
          return;
        }
        f.bridge(m.op, args).then(
          (value) => reply(true, value === undefined ? undefined : JSON.stringify(value)),
          (err) => reply(false, undefined, bridgeFailure(err)),
        );
        return;
      }
      case 'stats':
        worker.stats.get(m.id)?.(m);
        worker.stats.delete(m.id);
        return;
    }
  }

  #workerFor(key: string): Worker {
    const until = this.#quarantined.get(key);
    if (until !== undefined) {
      if (until > Date.now()) {
        this.#quarantine ??= this.#spawn(this.#size);
        return this.#quarantine;
      }
      this.#quarantined.delete(key);
    }
    return this.#workers[hashKey(key) % this.#size];
  }

  /**
   * A plugin version that blew its CPU budget runs for a while in a separate process at the lowest CPU priority, so
   * a plugin that keeps looping cannot slow the well-behaved plugins sharing its process.
   */
  #penalise(key: string, worker: Worker) {
    this.#quarantined.set(key, Date.now() + QUARANTINE_MS);
    if (worker !== this.#quarantine) {
      worker.loaded.delete(key);
      if (worker.child.connected) worker.child.send({ t: 'unload', key });
    }
  }

  /** Whether a plugin version currently runs in the low-priority process. */
  quarantined(key: string): boolean {
    return (this.#quarantined.get(key) ?? 0) > Date.now();
  }

  /** Runs one handler in the sandbox; never throws for what the plugin does — the outcome says what happened. */
  async invoke(req: InvokeRequest): Promise<InvokeOutcome> {
    if (this.#closed) throw new Error('the sandbox pool is closed');
    const limits = { ...defaultLimits, ...req.limits };
    const input = JSON.stringify(req.input ?? null);
    if (input.length > limits.maxPayloadBytes) {
      return {
        ok: false,
        error: { kind: 'payload', message: `the input is larger than ${limits.maxPayloadBytes} bytes` },
        logs: [],
        cpuUs: 0,
      };
    }
    let live = this.#workerFor(req.key);
    await live.ready;
    while (live !== this.#workerFor(req.key)) {
      live = this.#workerFor(req.key);
      await live.ready;
    }
    const code = live.loaded.has(req.key) ? undefined : await req.code();
    const id = this.#nextId++;
    return new Promise<InvokeOutcome>((resolve) => {
      const settle = (o: InvokeOutcome) => {
        if (!o.ok && o.error.kind === 'cpu') this.#penalise(req.key, live);
        resolve(o);
      };
      live.inflight.set(id, { resolve: settle, bridge: req.bridge });
      if (code !== undefined) live.loaded.add(req.key);
      live.child.send({
        t: 'invoke',
        id,
        key: req.key,
        code,
        context: req.context,
        handler: req.handler,
        input,
        meta: JSON.stringify(req.meta ?? {}),
        limits,
      });
    });
  }

  /** The handler names a bundle exports, read in a throwaway context. */
  async handlers(key: string, code: string, limits?: Partial<SandboxLimits>): Promise<string[]> {
    const out = await this.invoke({
      key,
      code: () => code,
      context: '__inspect',
      handler: '__handlers',
      input: null,
      meta: {},
      limits,
      bridge: async () => {
        throw new Error('no bridge while inspecting');
      },
    });
    if (!out.ok) throw new Error(out.error.message);
    return out.value as string[];
  }

  /** Drops a plugin version's isolate (after an upgrade or an uninstall). */
  unload(key: string): void {
    for (const w of this.#all()) {
      if (!w.loaded.delete(key)) continue;
      if (w.child.connected) w.child.send({ t: 'unload', key });
    }
  }

  #all(): Worker[] {
    return this.#quarantine ? [...this.#workers, this.#quarantine] : [...this.#workers];
  }

  /** Isolates, contexts and memory of every sandbox process. */
  async stats() {
    return Promise.all(
      this.#all().map(
        (w) =>
          new Promise<Extract<FromWorker, { t: 'stats' }>>((resolve) => {
            const id = this.#nextId++;
            w.stats.set(id, resolve);
            w.child.send({ t: 'stats', id });
          }),
      ),
    );
  }

  /** For tests of crash recovery: the process ids of the sandbox processes. */
  pids(): number[] {
    return this.#workers.map((w) => w.child.pid ?? 0);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#all().map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
            w.child.once('exit', () => resolve());
            w.child.kill('SIGTERM');
          }),
      ),
    );
  }
}
