import {
  bytesOf,
  type CodecFailure,
  type CodecOutcome,
  type CodecRunner,
  type CodecScript,
  codecLimits,
  type EncodeOutcome,
  type RawMeta,
  validFPort,
} from '@shequ/iot';
import type { InvokeOutcome, SandboxPool } from '../sandbox/pool.ts';
import type { SandboxLimits } from '../sandbox/protocol.ts';

/**
 * A codec's budget per call: a fifth of an app handler's, since a codec only shuffles a few bytes (well under a
 * millisecond) and runs for every uplink. isolated-vm's synchronous timeout counts wall time, so the budget leaves room
 * for a loaded machine rather than failing good codecs. isolated-vm's smallest heap is 8 MB; 16 leaves room for the
 * bootstrap.
 */
export const codecSandboxLimits: SandboxLimits = {
  cpuMs: 200,
  wallMs: 3_000,
  memoryMb: 16,
  maxBridgeCalls: 0,
  maxPayloadBytes: 512 * 1024,
};

/**
 * The script as a sandbox bundle: the two Alink entry points become handlers `decode` and `encode`. The codec has no
 * `ctx`, no bridge and no host object; whatever it does stays inside its isolate.
 */
export function codecBundle(source: string): string {
  return `globalThis.__shequPlugin = (function () {
${source}
;
return { plugin: { handlers: {
  decode: function (input) {
    if (typeof rawDataToProtocol !== 'function') throw new Error('the codec defines no rawDataToProtocol(bytes)');
    return rawDataToProtocol(input.bytes, input.meta);
  },
  encode: function (input) {
    if (typeof protocolToRawData !== 'function') return null;
    var out = protocolToRawData(input.message);
    if (out === null || out === undefined) return null;
    // LoRaWAN: {fPort, bytes} names the frame port as well.
    var fPort = null;
    if (typeof out === 'object' && out.length === undefined && out.bytes !== undefined) {
      fPort = out.fPort === undefined ? null : out.fPort;
      out = out.bytes;
    }
    var bytes = [];
    var n = out.length >>> 0;
    for (var i = 0; i < n; i++) bytes[i] = out[i];
    return fPort === null ? bytes : { fPort: fPort, bytes: bytes };
  },
  check: function () {
    return { decode: typeof rawDataToProtocol === 'function', encode: typeof protocolToRawData === 'function' };
  }
} } };
})();`;
}

const failureOf = (o: Extract<InvokeOutcome, { ok: false }>): CodecFailure => {
  const k = o.error.kind;
  const kind: CodecFailure['kind'] =
    k === 'cpu' || k === 'memory' || k === 'timeout'
      ? k
      : k === 'crash'
        ? 'unavailable'
        : k === 'payload'
          ? 'output'
          : k === 'missing'
            ? 'missing'
            : 'script';
  return { kind, message: o.error.message.slice(0, 500) };
};

/** Codec isolates kept warm at once unless the caller says otherwise: each costs a few MB of the sandbox process. */
export const defaultMaxWarmCodecs = 128;

export interface CodecSandboxOptions {
  limits?: Partial<SandboxLimits>;
  /** Products whose codec isolate stays loaded between calls (least recently used beyond it are unloaded). */
  maxWarm?: number;
}

/**
 * Runs product codecs in the plugin sandbox processes (isolated-vm, one isolate per product and script version,
 * CPU and heap limits enforced by the same watchdog as app handlers). A codec that loops or allocates is stopped and
 * answered as a failure; a sandbox process that dies is restarted by the pool. Never throws for what a script does.
 *
 * At most `maxWarm` products keep an isolate: the least recently used one beyond that is unloaded (after its calls
 * in flight end) and loaded again on its next call; a product's previous script version is unloaded as soon as
 * another version runs, and `forget` unloads a removed codec. So the sandbox's memory is bounded however many
 * products carry codecs.
 */
export class CodecSandbox implements CodecRunner {
  readonly #pool: SandboxPool;
  readonly #limits: SandboxLimits;
  readonly #maxWarm: number;
  /** Product key → its warm isolate's key, least recently used first. */
  readonly #warm = new Map<string, string>();
  /** Calls in flight per isolate key: an isolate is not unloaded under a running call. */
  readonly #running = new Map<string, number>();

  constructor(pool: SandboxPool, o: CodecSandboxOptions = {}) {
    this.#pool = pool;
    this.#limits = { ...codecSandboxLimits, ...o.limits };
    this.#maxWarm = Math.max(1, Math.floor(o.maxWarm ?? defaultMaxWarmCodecs));
  }

  /** The product keys whose codec is warm, least recently used first. */
  get warm(): string[] {
    return [...this.#warm.keys()];
  }

  /** Unloads a product's codec (it was removed or replaced elsewhere); the next call loads what it is given. */
  forget(productKey: string): void {
    const key = this.#warm.get(productKey);
    if (key === undefined) return;
    this.#warm.delete(productKey);
    this.#release(productKey, key);
  }

  /** Unloads an isolate no longer warm, unless a call still runs in it. */
  #release(productKey: string, key: string) {
    if (this.#warm.get(productKey) !== key && !this.#running.get(key)) this.#pool.unload(key);
  }

  /** Marks a product's script version most recently used, retiring its previous version and the LRU overflow. */
  #touch(productKey: string, key: string) {
    const previous = this.#warm.get(productKey);
    this.#warm.delete(productKey);
    this.#warm.set(productKey, key);
    if (previous !== undefined && previous !== key) this.#release(productKey, previous);
    for (const [pk, k] of this.#warm) {
      if (this.#warm.size <= this.#maxWarm) break;
      this.#warm.delete(pk);
      this.#release(pk, k);
    }
  }

  async #run(script: CodecScript, handler: string, input: unknown): Promise<CodecOutcome<unknown>> {
    const key = `codec:${script.productKey}:${script.hash}`;
    this.#touch(script.productKey, key);
    this.#running.set(key, (this.#running.get(key) ?? 0) + 1);
    try {
      const o = await this.#pool.invoke({
        key,
        code: () => codecBundle(script.source),
        context: 'codec',
        handler,
        input,
        meta: {},
        limits: this.#limits,
        bridge: async () => {
          throw new Error('a codec has no bridge');
        },
      });
      return o.ok ? { ok: true, value: o.value } : { ok: false, error: failureOf(o) };
    } catch (err) {
      return { ok: false, error: { kind: 'unavailable', message: err instanceof Error ? err.message : String(err) } };
    } finally {
      const n = (this.#running.get(key) ?? 1) - 1;
      if (n > 0) this.#running.set(key, n);
      else this.#running.delete(key);
      this.#release(script.productKey, key);
    }
  }

  decode(script: CodecScript, bytes: Uint8Array, meta: RawMeta): Promise<CodecOutcome<unknown>> {
    if (bytes.length > codecLimits.maxRawBytes)
      return Promise.resolve({
        ok: false,
        error: { kind: 'output', message: `more than ${codecLimits.maxRawBytes} bytes` },
      });
    return this.#run(script, 'decode', { bytes: [...bytes], meta });
  }

  async encode(script: CodecScript, message: Record<string, unknown>): Promise<EncodeOutcome> {
    const r = await this.#run(script, 'encode', { message });
    if (!r.ok) return r;
    if (r.value === null) return { ok: true, value: null };
    const framed = r.value as { fPort?: unknown; bytes?: unknown };
    const isFramed = typeof framed === 'object' && !Array.isArray(framed);
    if (isFramed && !validFPort(framed.fPort))
      return { ok: false, error: { kind: 'output', message: 'protocolToRawData: fPort must be an integer 1–223' } };
    const bytes = bytesOf(isFramed ? framed.bytes : r.value);
    if (typeof bytes === 'string') return { ok: false, error: { kind: 'output', message: bytes } };
    return isFramed ? { ok: true, value: bytes, fPort: framed.fPort as number } : { ok: true, value: bytes };
  }

  async check(script: CodecScript): Promise<CodecOutcome<{ decode: boolean; encode: boolean }>> {
    const r = await this.#run(script, 'check', null);
    if (!r.ok) return r;
    const v = r.value as { decode?: unknown; encode?: unknown };
    return { ok: true, value: { decode: v?.decode === true, encode: v?.encode === true } };
  }
}
