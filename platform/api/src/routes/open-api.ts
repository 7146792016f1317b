import {
  type ApiClientRow,
  type ApiScope,
  AppError,
  admitApiRequest,
  appendAudit,
  openHouses,
  openPeople,
  type Platform,
  registerVisitor,
  resolveApiKey,
  touchApiClient,
  upsertTenant,
} from '@shequ/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { openApiDocument } from '../open/document.ts';
import { registerExchangeRoutes } from '../open/exchange-routes.ts';
import { housesQuery, peopleQuery, tenantBody, visitorBody, zodFieldErrors } from '../open/schemas.ts';
import {
  nonceRe,
  openApiHeaders,
  openApiSignature,
  openApiSkewMs,
  signatureMatches,
  stringToSign,
} from '../open/signing.ts';

/** Request bodies of the open API are small JSON documents. */
export const openApiBodyLimit = 64 * 1024;

type Reason =
  | 'missing_headers'
  | 'unknown_key'
  | 'disabled_key'
  | 'bad_signature'
  | 'timestamp_skew'
  | 'replayed_nonce'
  | 'scope_not_granted'
  | 'rate_limited'
  | 'body_too_large'
  | 'invalid_input'
  | 'not_authorised'
  | 'not_found'
  | 'conflict';

class Refusal extends AppError {
  readonly reason: Reason;
  constructor(code: ConstructorParameters<typeof AppError>[0], reason: Reason, zh: string, en: string) {
    super(code, { zh, en });
    this.reason = reason;
  }
}

const refusals = {
  missing_headers: () =>
    new Refusal(
      'UNAUTHENTICATED',
      'missing_headers',
      '缺少签名请求头 X-Shequ-Key、X-Shequ-Timestamp、X-Shequ-Nonce、X-Shequ-Signature，或格式不正确',
      'Missing or malformed signing headers X-Shequ-Key, X-Shequ-Timestamp, X-Shequ-Nonce, X-Shequ-Signature',
    ),
  unknown_key: () => new Refusal('UNAUTHENTICATED', 'unknown_key', '接口密钥不存在', 'Unknown API key'),
  disabled_key: () => new Refusal('UNAUTHENTICATED', 'disabled_key', '接口密钥已停用', 'The API key is disabled'),
  bad_signature: () =>
    new Refusal('UNAUTHENTICATED', 'bad_signature', '请求签名校验失败', 'The request signature does not verify'),
  timestamp_skew: () =>
    new Refusal(
      'UNAUTHENTICATED',
      'timestamp_skew',
      '请求时间戳与服务器时间相差超过 5 分钟',
      'The request timestamp is more than 5 minutes from the server clock',
    ),
  replayed_nonce: () =>
    new Refusal(
      'UNAUTHENTICATED',
      'replayed_nonce',
      '该随机数已使用过（重放请求）',
      'The nonce was already used (replay)',
    ),
  scope_not_granted: (s: string) =>
    new Refusal(
      'FORBIDDEN',
      'scope_not_granted',
      `接口密钥未被授予权限范围 ${s}`,
      `The API key is not granted scope ${s}`,
    ),
  rate_limited: () =>
    new Refusal(
      'RATE_LIMITED',
      'rate_limited',
      '请求过于频繁，请稍后再试',
      'Too many requests for this key; retry later',
    ),
};

export interface Caller {
  client: ApiClientRow;
  subject: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    openApiCaller?: Caller;
  }
}

const header = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/**
 * The signed open API for business systems (DB33 9.3.1.5, 6.3.1.4) under `/open/v1`: every request carries the
 * client's key id, a millisecond timestamp, a nonce and an HMAC-SHA256 signature over method, path, canonical query,
 * timestamp, nonce and the body's SHA-256; the nonce is recorded in the database for the window so a replay is refused
 * by every API process, and each key's requests per minute are counted there too, so its limit holds across them.
 * Every call, accepted or refused, is audited (`openapi.request`).
 */
export function registerOpenApiRoutes(app: FastifyInstance, platform: Platform, opts: { now?: () => number } = {}) {
  const now = opts.now ?? Date.now;
  const deps = { db: platform.database.db, crypto: platform.crypto };

  async function auditCall(req: FastifyRequest, status: number, reason: Reason | null) {
    const keyId = header(req, openApiHeaders.key)?.slice(0, 64) ?? null;
    const c = req.openApiCaller?.client;
    await appendAudit(platform.database.db, {
      subject: keyId ? `api:${keyId}` : 'api:anonymous',
      subjectRole: 'api_client',
      action: 'openapi.request',
      objectType: 'openapi.path',
      objectId: req.url.split('?')[0].slice(0, 200),
      communityId: c?.communityId ?? null,
      result: status < 400 ? 'success' : status === 401 || status === 403 || status === 429 ? 'denied' : 'failure',
      sourceIp: req.ip ?? null,
      requestId: String(req.id),
      detail: { method: req.method, status, reason, keyId },
    });
  }

  async function refuse(req: FastifyRequest, reply: FastifyReply, err: unknown) {
    if (!(err instanceof AppError)) throw err;
    const reason: Reason =
      err instanceof Refusal
        ? err.reason
        : err.code === 'INVALID_INPUT'
          ? 'invalid_input'
          : err.code === 'FORBIDDEN'
            ? 'not_authorised'
            : err.code === 'NOT_FOUND'
              ? 'not_found'
              : 'conflict';
    await auditCall(req, err.status, reason);
    return reply.code(err.status).send({
      error: {
        appCode: err.code,
        reason,
        messageZh: err.messageZh,
        messageEn: err.messageEn,
        fieldErrors: err.fieldErrors,
        requestId: String(req.id),
      },
    });
  }

  /** Verifies the signature, time window, nonce, rate and scope; sets `req.openApiCaller`. */
  async function authenticate(req: FastifyRequest, body: Buffer, scope: ApiScope): Promise<Caller> {
    const keyId = header(req, openApiHeaders.key);
    const ts = header(req, openApiHeaders.timestamp);
    const nonce = header(req, openApiHeaders.nonce);
    const signature = header(req, openApiHeaders.signature);
    if (!keyId || keyId.length > 64 || !ts || !/^\d{1,16}$/.test(ts) || !nonce || !nonceRe.test(nonce))
      throw refusals.missing_headers();
    if (!signature || !/^[0-9a-fA-F]{64}$/.test(signature)) throw refusals.missing_headers();
    const resolved = await resolveApiKey(deps, keyId, new Date(now()));
    if (!resolved) throw refusals.unknown_key();
    const { client, secrets } = resolved;
    const caller = { client, subject: `api:${client.keyId}` };
    req.openApiCaller = caller;
    if (!client.enabled) throw refusals.disabled_key();
    const q = req.url.indexOf('?');
    const text = stringToSign(
      req.method,
      q < 0 ? req.url : req.url.slice(0, q),
      q < 0 ? '' : req.url.slice(q + 1),
      ts,
      nonce,
      body,
    );
    if (!secrets.some((s) => signatureMatches(signature, openApiSignature(s, text)))) throw refusals.bad_signature();
    const at = Number(ts);
    if (Math.abs(now() - at) > openApiSkewMs) throw refusals.timestamp_skew();
    // The key's count for this minute and the nonce live in the database: every API process shares them.
    const admission = await admitApiRequest(deps, client, nonce, new Date(at + openApiSkewMs), now());
    if (admission === 'rate_limited') throw refusals.rate_limited();
    if (admission === 'replayed_nonce') throw refusals.replayed_nonce();
    if (!client.scopes.includes(scope)) throw refusals.scope_not_granted(scope);
    // The last use is kept to the minute: no write per request.
    if (!client.lastUsedAt || now() - client.lastUsedAt.getTime() > 60_000) await touchApiClient(deps, client.id);
    return caller;
  }

  function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
    const r = schema.safeParse(value);
    if (!r.success) {
      throw new AppError('INVALID_INPUT', {
        zh: '请求内容有误，请检查标出的字段',
        en: 'Please correct the marked fields',
        fieldErrors: zodFieldErrors(r.error),
      });
    }
    return r.data;
  }

  function jsonOf(body: Buffer): unknown {
    try {
      return JSON.parse(body.toString('utf8') || 'null');
    } catch {
      throw new AppError('INVALID_INPUT', {
        zh: '请求体不是有效的 JSON',
        en: 'The body is not valid JSON',
        fieldErrors: { _: ['invalid JSON'] },
      });
    }
  }

  const actorOf = (req: FastifyRequest, c: Caller) => ({
    subject: c.subject,
    role: 'api_client',
    ip: req.ip ?? null,
    requestId: String(req.id),
  });

  app.register(async (open) => {
    // Signatures cover the body byte for byte: keep it as received.
    open.removeAllContentTypeParsers();
    open.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: openApiBodyLimit }, (_req, body, done) =>
      done(null, body),
    );
    open.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req, reply) => {
      if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        await auditCall(req, 413, 'body_too_large');
        return reply.code(413).send({
          error: {
            appCode: 'INVALID_INPUT',
            reason: 'body_too_large',
            messageZh: `请求体超过 ${openApiBodyLimit / 1024} KB`,
            messageEn: `The body exceeds ${openApiBodyLimit / 1024} KB`,
            requestId: String(req.id),
          },
        });
      }
      throw err;
    });

    const route = <T>(
      method: 'GET' | 'POST',
      url: string,
      scope: ApiScope,
      handler: (req: FastifyRequest, caller: Caller, body: Buffer) => Promise<{ status: number; body: T }>,
    ) =>
      open.route({
        method,
        url,
        handler: async (req, reply) => {
          const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          try {
            const caller = await authenticate(req, body, scope);
            const out = await handler(req, caller, body);
            await auditCall(req, out.status, null);
            return reply.code(out.status).send(out.body);
          } catch (err) {
            return refuse(req, reply, err);
          }
        },
      });

    route('POST', '/open/v1/people/tenants', 'people.tenants.write', async (req, caller, body) => {
      const input = parse(tenantBody, jsonOf(body));
      const r = await upsertTenant(deps, caller.client.communityId, input, actorOf(req, caller));
      return { status: r.person === 'created' ? 201 : 200, body: r };
    });

    route('POST', '/open/v1/people/visitors', 'people.visitors.write', async (req, caller, body) => {
      const input = parse(visitorBody, jsonOf(body));
      const pass = await registerVisitor(
        deps,
        caller.client.communityId,
        { ...input, validFrom: new Date(input.validFrom), validUntil: new Date(input.validUntil) },
        { ...actorOf(req, caller), userId: caller.client.createdBy },
      );
      return { status: 201, body: pass };
    });

    route('GET', '/open/v1/houses', 'houses.read', async (req, caller) => {
      const q = parse(housesQuery, req.query);
      return { status: 200, body: await openHouses(deps, caller.client.communityId, q) };
    });

    route('GET', '/open/v1/people', 'people.read-masked', async (req, caller) => {
      const q = parse(peopleQuery, req.query);
      return {
        status: 200,
        body: await openPeople(deps, caller.client.communityId, { ...q, namePrefix: q.name }),
      };
    });

    registerExchangeRoutes({ route, deps, parse, jsonOf, actorOf });

    // The description of the API is public: it holds no data.
    open.get('/open/v1/openapi.json', async () => openApiDocument(platform.config.publicUrl ?? null));
  });
}
