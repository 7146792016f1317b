import { createHash } from 'node:crypto';
import type { DeviceTopic } from '../alink/topics.ts';

/** A product's raw-data codec script, as the sandbox loads it (the hash names the isolate, so an edit loads anew). */
export interface CodecScript {
  productKey: string;
  source: string;
  hash: string;
}

/** Where a binary payload came from: passed to `rawDataToProtocol(bytes, meta)` as its second argument. */
export interface RawMeta {
  transport: 'mqtt' | 'http' | 'coap' | 'lorawan';
  /** LoRaWAN only: the frame port and the DevEUI the network server reported. */
  fPort?: number;
  devEui?: string;
}

/** Why a codec call failed: the script threw, ran out of its budget, answered something unusable, or no sandbox ran. */
export interface CodecFailure {
  kind: 'missing' | 'script' | 'cpu' | 'memory' | 'timeout' | 'output' | 'unavailable';
  message: string;
}

export type CodecOutcome<T> = { ok: true; value: T } | { ok: false; error: CodecFailure };

/** What `protocolToRawData` answered: bytes (or null) and, when it named one, the LoRaWAN frame port. */
export type EncodeOutcome = { ok: true; value: Buffer | null; fPort?: number } | { ok: false; error: CodecFailure };

/** An application frame port (LoRaWAN 1.0.x: 1–223; 0 carries MAC commands, 224 is the test port). */
export const validFPort = (p: unknown): p is number =>
  typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 223;

/**
 * Runs codec scripts out of the host's V8 context. The platform's implementation is `CodecSandbox` in
 * `@shequ/runtime` (the plugin sandbox processes); the IoT engine only sees this interface.
 */
export interface CodecRunner {
  /** `rawDataToProtocol(bytes, meta)`: the bytes as an array of numbers 0–255; answers the script's JSON value. */
  decode(script: CodecScript, bytes: Uint8Array, meta: RawMeta): Promise<CodecOutcome<unknown>>;
  /**
   * `protocolToRawData(message)`: the bytes to send, or null when the script has no encoder or declines. A script
   * may answer `{fPort, bytes}` to name the LoRaWAN frame port too (ignored by MQTT, HTTP and CoAP).
   */
  encode(script: CodecScript, message: Record<string, unknown>): Promise<EncodeOutcome>;
  /** Checks a script before it is stored: it must compile and define `rawDataToProtocol`. */
  check(script: CodecScript): Promise<CodecOutcome<{ decode: boolean; encode: boolean }>>;
  /** Drops whatever the runner keeps for a product's codec (it was removed or replaced). */
  forget?(productKey: string): void;
}

/** Largest script a product may carry, and largest binary payload a codec is given or may answer. */
export const codecLimits = { maxScriptBytes: 64 * 1024, maxRawBytes: 64 * 1024 } as const;

export const codecScript = (productKey: string, source: string): CodecScript => ({
  productKey,
  source,
  hash: createHash('sha256').update(source).digest('hex').slice(0, 16),
});

export type PostTopic = Extract<DeviceTopic, { kind: 'property-post' | 'event-post' }>;

/** The post topic an Alink method stands for: `thing.event.property.post` or `thing.event.{id}.post`. */
export function topicOfMethod(method: unknown, productKey: string, deviceName: string): PostTopic | null {
  if (method === 'thing.event.property.post') return { kind: 'property-post', productKey, deviceName };
  const m = typeof method === 'string' ? /^thing\.event\.([A-Za-z_][A-Za-z0-9_]*)\.post$/.exec(method) : null;
  return m ? { kind: 'event-post', productKey, deviceName, event: m[1] } : null;
}

/** Bytes from a script's answer: integers −128…255 (Java-style signed bytes are taken modulo 256). */
export function bytesOf(value: unknown): Buffer | string {
  if (!Array.isArray(value)) return 'protocolToRawData must return an array of bytes';
  if (value.length > codecLimits.maxRawBytes)
    return `protocolToRawData returned more than ${codecLimits.maxRawBytes} bytes`;
  const out = Buffer.alloc(value.length);
  for (let i = 0; i < value.length; i++) {
    const b = value[i];
    if (typeof b !== 'number' || !Number.isInteger(b) || b < -128 || b > 255)
      return `protocolToRawData returned a non-byte at index ${i}`;
    out[i] = b & 0xff;
  }
  return out;
}
