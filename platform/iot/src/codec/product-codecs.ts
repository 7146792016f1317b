import { type Db, products } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { type ReplyPayload, reply } from '../ingest/reply.ts';
import {
  type CodecFailure,
  type CodecRunner,
  type CodecScript,
  codecLimits,
  codecScript,
  type EncodeOutcome,
  type PostTopic,
  type RawMeta,
  topicOfMethod,
} from './codec.ts';

/** `_reply` codes of raw uplinks beyond the JSON ones: the codec failed (422) or no sandbox runs here (503). */
export const rawReplyCodes = { CODEC_FAILED: 422, NO_CODEC: 400, UNAVAILABLE: 503 } as const;

const CACHE_MS = 5_000;

export type DecodedUplink =
  | { ok: true; topic: PostTopic; payload: Buffer; message: Record<string, unknown> }
  | { ok: false; reply: ReplyPayload; failure?: CodecFailure };

/**
 * The codecs of the products, read from `iot.products` and cached a few seconds (an edit in another process is
 * picked up within that time; the API process forgets at once), and run through the sandbox's runner.
 */
export class ProductCodecs {
  readonly runner: CodecRunner | undefined;
  readonly #db: Db;
  readonly #cache = new Map<string, { at: number; script: CodecScript | null }>();

  constructor(db: Db, runner: CodecRunner | undefined) {
    this.#db = db;
    this.runner = runner;
  }

  /** The product's codec changed or was removed: read it again, and unload the runner's isolate of the old one. */
  forget(productKey: string): void {
    this.#cache.delete(productKey);
    this.runner?.forget?.(productKey);
  }

  async script(productKey: string): Promise<CodecScript | null> {
    const hit = this.#cache.get(productKey);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.script;
    const [row] = await this.#db
      .select({ source: products.codecScript })
      .from(products)
      .where(eq(products.productKey, productKey));
    const script = row?.source ? codecScript(productKey, row.source) : null;
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(productKey, { at: Date.now(), script });
    return script;
  }

  /** Whether downlink to the product's devices travels as bytes on `down_raw`. */
  async hasCodec(productKey: string): Promise<boolean> {
    return (await this.script(productKey)) !== null;
  }

  /**
   * Turns a binary uplink into the Alink post it stands for. The caller then checks it against the thing model and
   * stores it exactly like a JSON post; a failure is the `_reply` to send.
   */
  async decodeUplink(productKey: string, deviceName: string, bytes: Uint8Array, meta: RawMeta): Promise<DecodedUplink> {
    const fail = (code: number, message: string, failure?: CodecFailure): DecodedUplink => ({
      ok: false,
      reply: reply('0', code, message),
      failure,
    });
    if (bytes.length > codecLimits.maxRawBytes)
      return fail(413, `raw payload larger than ${codecLimits.maxRawBytes} bytes`);
    const script = await this.script(productKey);
    if (!script) return fail(rawReplyCodes.NO_CODEC, 'the product has no raw-data codec');
    if (!this.runner) return fail(rawReplyCodes.UNAVAILABLE, 'no codec sandbox runs in this process');
    const r = await this.runner.decode(script, bytes, meta);
    if (!r.ok) return fail(codeOf(r.error), `codec failed (${r.error.kind}): ${r.error.message}`, r.error);
    const v = r.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      const error: CodecFailure = { kind: 'output', message: 'rawDataToProtocol must return an Alink JSON object' };
      return fail(rawReplyCodes.CODEC_FAILED, error.message, error);
    }
    const message = v as Record<string, unknown>;
    const topic = topicOfMethod(message.method, productKey, deviceName);
    if (!topic) {
      const error: CodecFailure = {
        kind: 'output',
        message: 'method must be thing.event.property.post or thing.event.{identifier}.post',
      };
      return fail(rawReplyCodes.CODEC_FAILED, `rawDataToProtocol answered: ${error.message}`, error);
    }
    // A codec that does not number its messages still gets an id, so the reply can name one.
    if (message.id === undefined || message.id === null) message.id = String(Date.now());
    return { ok: true, topic, payload: Buffer.from(JSON.stringify(message)), message };
  }

  /** A raw device's answer to a downlink (`down_raw_reply`), decoded by its codec; null when it cannot be. */
  async decodeReply(productKey: string, bytes: Uint8Array): Promise<Record<string, unknown> | null> {
    const script = await this.script(productKey);
    if (!script || !this.runner || bytes.length > codecLimits.maxRawBytes) return null;
    const r = await this.runner.decode(script, bytes, { transport: 'mqtt' });
    return r.ok && typeof r.value === 'object' && r.value !== null && !Array.isArray(r.value)
      ? (r.value as Record<string, unknown>)
      : null;
  }

  /** `protocolToRawData` for a product: the bytes, or null when it has no codec or the script declines. */
  async encode(productKey: string, message: Record<string, unknown>): Promise<EncodeOutcome> {
    const script = await this.script(productKey);
    if (!script) return { ok: true, value: null };
    if (!this.runner)
      return { ok: false, error: { kind: 'unavailable', message: 'no codec sandbox runs in this process' } };
    return this.runner.encode(script, message);
  }
}

const codeOf = (e: CodecFailure) => (e.kind === 'unavailable' ? rawReplyCodes.UNAVAILABLE : rawReplyCodes.CODEC_FAILED);
