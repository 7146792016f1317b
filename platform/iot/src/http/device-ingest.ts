import { type AuditEntry, appendAudit, type FieldCrypto, type Logger } from '@shequ/core';
import type { Database } from '@shequ/db';
import { type SignMethod, sign, signatureMatches } from '../alink/credentials.ts';
import { deviceMayUse, parseTopic } from '../alink/topics.ts';
import type { PostTopic } from '../codec/codec.ts';
import type { ProductCodecs } from '../codec/product-codecs.ts';
import { Authenticator } from '../gateway/authenticator.ts';
import { ConnectLimiter, NegativeCache } from '../gateway/rate-limit.ts';
import { DeviceStates } from '../gateway/states.ts';
import { defaultLimits, type ParseLimits, parsePost } from '../ingest/parse-post.ts';
import { type ReplyPayload, replyCodes } from '../ingest/reply.ts';
import type { TelemetryWriter } from '../ingest/writer.ts';
import { findIdentity } from '../registry/devices-repo.ts';
import { secretContext } from '../registry/devices-service.ts';
import { DeviceTokens, type TokenSession } from './device-tokens.ts';

/** Answer codes of `/auth` and of refused requests on HTTP and CoAP (Alink's HTTP codes where it has one). */
export const ingestCodes = {
  OK: 0,
  BAD_REQUEST: 10001,
  AUTH_FAILED: 20000,
  TOKEN_EXPIRED: 20001,
  TOKEN_MISSING: 20002,
  TOKEN_INVALID: 20003,
  DEVICE_DISABLED: 20004,
  REPLAYED: 20005,
  TOPIC_DENIED: 30001,
  TOO_MANY: 40000,
} as const;

/** What a transport sends back: an HTTP-like status (the CoAP listener maps it) and a JSON body. */
export interface IngestAnswer {
  status: number;
  body: { code: number; message: string; [k: string]: unknown } | ReplyPayload;
}

export interface AuthRequest {
  productKey: string;
  deviceName: string;
  clientId: string;
  timestamp?: string;
  sign: string;
  signmethod: SignMethod;
}

export interface DeviceIngestOptions {
  database: Database;
  crypto: FieldCrypto;
  writer: TelemetryWriter;
  log?: Logger;
  /** `http` or `coap`: names the audit actions. */
  transport: 'http' | 'coap';
  tokenTtlMs?: number;
  maxTimestampSkewMs?: number | null;
  limits?: Partial<ParseLimits>;
  /** `/auth` requests per address (burst, sustained) and for the whole listener. */
  authLimit?: { burst: number; perSecond: number };
  globalAuthLimit?: { burst: number; perSecond: number };
  /** Posts per device. */
  postLimit?: { burst: number; perSecond: number };
  maxPendingWrites?: number;
  /** Called after an online/offline change was committed to the outbox (the platform kicks its relay). */
  onStateCommitted?: () => void;
  /** Product codecs: binary posts on `thing/model/up_raw` (the IoT engine's, so all transports share one cache). */
  codecs?: ProductCodecs;
}

const fail = (status: number, code: number, message: string): IngestAnswer => ({ status, body: { code, message } });
const statusOf = (code: number) => ([200, 413, 422, 503].includes(code) ? code : 400);
const IDENTITY_RECHECK_MS = 30_000;
const METHODS: SignMethod[] = ['hmacsha256', 'hmacsha1', 'hmacmd5'];

/** Checks an `/auth` body's shape; the message names the first bad field. */
export function parseAuthRequest(body: unknown): AuthRequest | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  const b = body as Record<string, unknown>;
  for (const f of ['productKey', 'deviceName', 'clientId', 'sign'])
    if (typeof b[f] !== 'string' || b[f] === '' || (b[f] as string).length > 128) return `${f} must be a string`;
  if (/[|,&]/.test(b.clientId as string)) return 'clientId must not contain |, "," or &';
  const method = String(b.signmethod ?? 'hmacsha256').toLowerCase() as SignMethod;
  if (!METHODS.includes(method)) return 'signmethod must be hmacsha256, hmacsha1 or hmacmd5';
  const ts = b.timestamp === undefined || b.timestamp === '' ? undefined : String(b.timestamp);
  if (ts !== undefined && !/^\d{1,16}$/.test(ts)) return 'timestamp must be milliseconds';
  return {
    productKey: b.productKey as string,
    deviceName: b.deviceName as string,
    clientId: b.clientId as string,
    sign: b.sign as string,
    signmethod: method,
    timestamp: ts,
  };
}

/**
 * Device access over connectionless transports: `/auth` checks the Alink signature with the MQTT gateway's
 * authenticator (same rules, rotation window, negative cache and rate limits) and hands out a token; a post on
 * `/topic/…` with the token goes through the same thing-model check and batched writer as an MQTT post.
 */
export class DeviceIngest {
  readonly tokens: DeviceTokens;
  readonly #o: DeviceIngestOptions;
  readonly #auth: Authenticator;
  readonly #negative = new NegativeCache(60_000);
  readonly #authLimiter: ConnectLimiter;
  readonly #postLimiter: ConnectLimiter;
  readonly #limits: ParseLimits;
  readonly #states: DeviceStates;
  readonly #sweeper: NodeJS.Timeout;

  constructor(o: DeviceIngestOptions) {
    this.#o = o;
    // A connectionless device is online while it holds a token: from /auth until the token ends.
    this.#states = new DeviceStates(o.database, o.onStateCommitted);
    this.tokens = new DeviceTokens(o.tokenTtlMs ?? 3_600_000, 100_000, (s, reason) => {
      void this.#states.offline(s.identity, s, reason).catch((err) => o.log?.warn({ err }, 'marking offline failed'));
    });
    this.#sweeper = setInterval(() => this.tokens.sweep(), 30_000);
    this.#sweeper.unref();
    this.#auth = new Authenticator(o.database.db, o.crypto, this.#negative, {
      maxTimestampSkewMs: o.maxTimestampSkewMs,
    });
    this.#authLimiter = new ConnectLimiter(
      o.authLimit ?? { burst: 200, perSecond: 100 },
      o.globalAuthLimit ?? { burst: 2000, perSecond: 1000 },
    );
    const pl = o.postLimit ?? { burst: 50, perSecond: 20 };
    // Posts are limited per device only; the writer's queue bounds the listener as a whole.
    this.#postLimiter = new ConnectLimiter(pl, { burst: Number.MAX_SAFE_INTEGER, perSecond: Number.MAX_SAFE_INTEGER });
    this.#limits = { ...defaultLimits, ...o.limits };
  }

  get maxPayloadBytes(): number {
    return this.#limits.maxPayloadBytes;
  }

  /** Ends every token (its devices go offline) and waits for the state changes to be stored. */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.tokens.endAll(`${this.#o.transport} listener stopped`);
    await this.#states.settle();
  }

  /** Forgets cached auth failures (after a secret rotation or an enable). */
  forgetFailures(): void {
    this.#negative.clear();
  }

  /**
   * Authenticates a device. With `withKey` (CoAP), also derives the session key from the secret that signed, so
   * the caller can hand the device the random it was derived with.
   */
  async authenticate(
    body: unknown,
    ip: string | null,
    withKey?: (secret: string) => Pick<TokenSession, 'key' | 'replay'>,
  ): Promise<{ answer: IngestAnswer; session?: TokenSession }> {
    if (!this.#authLimiter.allow(ip ?? 'unknown'))
      return { answer: fail(429, ingestCodes.TOO_MANY, 'too many requests, retry later') };
    const req = parseAuthRequest(body);
    if (typeof req === 'string') return { answer: fail(400, ingestCodes.BAD_REQUEST, req) };
    const ts = req.timestamp ? `,timestamp=${req.timestamp}` : '';
    const r = await this.#auth.authenticate(
      `${req.clientId}|securemode=2,signmethod=${req.signmethod}${ts}|`,
      `${req.deviceName}&${req.productKey}`,
      Buffer.from(req.sign),
    );
    if (!r.ok || r.session.kind !== 'device') {
      if (!r.ok && !r.cached)
        await this.#audit({
          subject: r.subject,
          action: `iot.${this.#o.transport}.auth`,
          result: 'failure',
          sourceIp: ip,
          detail: { reason: r.reason },
        });
      const disabled = !r.ok && r.reason.includes('disabled');
      return {
        answer: disabled
          ? fail(403, ingestCodes.DEVICE_DISABLED, 'device disabled')
          : fail(401, ingestCodes.AUTH_FAILED, 'auth check error'),
      };
    }
    const identity = r.session.identity;
    const extra = withKey ? withKey(this.#signingSecret(req, identity)) : {};
    const session = await this.startSession(identity, ip, extra);
    return {
      session,
      answer: {
        status: 200,
        body: {
          code: ingestCodes.OK,
          message: 'success',
          info: { token: session.token, expiresAt: session.expiresAt },
        },
      },
    };
  }

  /** A sign-in that failed for want of a device (a DTLS PSK identity): kept like failed signatures, for a minute. */
  rememberFailure(key: string): void {
    this.#negative.add(key);
  }

  failedRecently(key: string): boolean {
    return this.#negative.has(key);
  }

  /** Whether another sign-in from this address is allowed now (per address and listener-wide limits). */
  allowAuth(ip: string | null): boolean {
    return this.#authLimiter.allow(ip ?? 'unknown');
  }

  /** A session for a device that proved itself (a signed `/auth`, a DTLS PSK handshake); the device goes online. */
  async startSession(
    identity: TokenSession['identity'],
    ip: string | null,
    extra: Pick<TokenSession, 'key' | 'replay'> = {},
  ): Promise<TokenSession> {
    const session = this.tokens.issue(identity, extra);
    try {
      await this.#states.online(identity, session, ip);
    } catch (err) {
      this.#o.log?.warn({ err }, `${this.#o.transport}: marking a device online failed`);
    }
    return session;
  }

  /** Records a failed sign-in on the audit trail (`iot.{transport}.auth`). */
  auditAuthFailure(subject: string, ip: string | null, detail: Record<string, unknown>): Promise<void> {
    return this.#audit({ subject, action: `iot.${this.#o.transport}.auth`, result: 'failure', sourceIp: ip, detail });
  }

  /** The secret the request was signed with: the current one, or the previous one inside a rotation window. */
  #signingSecret(req: AuthRequest, identity: TokenSession['identity']): string {
    const ctx = secretContext(identity.productKey, identity.deviceName);
    const current = this.#o.crypto.decrypt(identity.secretCipher, ctx);
    const p = { id: req.clientId, deviceName: req.deviceName, productKey: req.productKey, timestamp: req.timestamp };
    if (signatureMatches(req.sign, sign(current, req.signmethod, p)) || !identity.previousSecretCipher) return current;
    return this.#o.crypto.decrypt(identity.previousSecretCipher, ctx);
  }

  /** Resolves a token to its live session, re-reading the device now and then so a disable takes effect. */
  async session(token: string | undefined): Promise<{ ok: true; session: TokenSession } | IngestAnswer> {
    const c = this.tokens.check(token);
    if (!c.ok) {
      if (c.reason === 'missing') return fail(401, ingestCodes.TOKEN_MISSING, 'token is null');
      if (c.reason === 'expired') return fail(401, ingestCodes.TOKEN_EXPIRED, 'token is expired');
      return fail(401, ingestCodes.TOKEN_INVALID, 'check token error');
    }
    const s = c.session;
    if (Date.now() - s.checkedAt > IDENTITY_RECHECK_MS) {
      const fresh = await findIdentity(this.#o.database.db, s.identity.productKey, s.identity.deviceName);
      // A device switched to certificate-only access (MQTT over TLS) loses its secret-signed tokens too.
      if (!fresh || fresh.id !== s.identity.id || !fresh.enabled || fresh.requireCertificate) {
        this.tokens.revokeDevice(s.identity.id);
        return fail(fresh?.enabled === false ? 403 : 401, ingestCodes.TOKEN_INVALID, 'device no longer allowed');
      }
      s.identity = fresh;
      s.checkedAt = Date.now();
    }
    return { ok: true, session: s };
  }

  /** A post on `/topic/{topic}` by the device of `s`: checked, stored, answered like the MQTT `_reply`. */
  async post(s: TokenSession, topicName: string, payload: Buffer, ip: string | null): Promise<IngestAnswer> {
    const id = s.identity;
    if (!deviceMayUse(topicName, id, 'publish')) {
      await this.#audit({
        subject: `device:${id.productKey}/${id.deviceName}`,
        action: `iot.${this.#o.transport}.publish`,
        communityId: id.communityId,
        objectType: 'iot.topic',
        objectId: topicName.slice(0, 200),
        result: 'denied',
        sourceIp: ip,
      });
      return fail(403, ingestCodes.TOPIC_DENIED, 'topic not allowed for this device');
    }
    const parsed = parseTopic(topicName)!;
    if (parsed.kind !== 'property-post' && parsed.kind !== 'event-post' && parsed.kind !== 'raw-up')
      return fail(400, ingestCodes.BAD_REQUEST, 'only property, event and raw posts are accepted here');
    if (!this.#postLimiter.allow(id.id)) return fail(429, ingestCodes.TOO_MANY, 'too many requests, retry later');
    let topic: PostTopic;
    if (parsed.kind !== 'raw-up') topic = parsed;
    else {
      // The bytes become the Alink post the codec says they are; the answer is that post's JSON `_reply`.
      if (!this.#o.codecs) return fail(503, ingestCodes.BAD_REQUEST, 'raw posts are not accepted by this listener');
      const d = await this.#o.codecs.decodeUplink(id.productKey, id.deviceName, payload, {
        transport: this.#o.transport,
      });
      if (!d.ok) return { status: statusOf(d.reply.code), body: d.reply };
      topic = d.topic;
      payload = d.payload;
    }
    const r = parsePost(topic, payload, id.thingModel, Date.now(), this.#limits);
    if (!r.ok) return { status: statusOf(r.reply.code), body: r.reply };
    const answer = (code: number, message: string): IngestAnswer => ({
      status: statusOf(code),
      body: { id: r.uplink.id, code, message, data: {} },
    });
    if (this.#o.writer.pending >= (this.#o.maxPendingWrites ?? 50_000))
      return answer(replyCodes.UNAVAILABLE, 'busy, retry later');
    try {
      await this.#o.writer.write(
        { deviceId: id.id, communityId: id.communityId, productKey: id.productKey, deviceName: id.deviceName },
        r.uplink,
      );
      return answer(replyCodes.OK, 'success');
    } catch (err) {
      this.#o.log?.error({ err }, 'telemetry write failed');
      return answer(replyCodes.UNAVAILABLE, 'storage unavailable');
    }
  }

  async #audit(e: AuditEntry) {
    try {
      await appendAudit(this.#o.database.db, e);
    } catch (err) {
      this.#o.log?.error({ err }, `${this.#o.transport} audit failed`);
    }
  }
}
