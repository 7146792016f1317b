import { AppError, hasPermission, type Platform, type Principal } from '@shequ/core';
import {
  catalogPackage,
  catalogScreenshot,
  issueIndex,
  type Market,
  maxUploadBytes,
  submitPackage,
} from '@shequ/marketplace';
import type { PluginHost } from '@shequ/runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendError } from './send-error.ts';

const tooLarge = () =>
  new AppError('INVALID_INPUT', {
    zh: `安装包超过 ${maxUploadBytes / 1024 / 1024} MB 上限，已停止接收`,
    en: `The upload is over the ${maxUploadBytes / 1024 / 1024} MB limit; it was refused while streaming`,
  });

/**
 * `POST /api/market/packages` with a signed `.shequ` archive as the raw body: a publisher submits a version to the
 * marketplace. The caller is checked before the body is read, and the body limit is enforced while it streams (a
 * declared or actual size over the limit is refused without buffering it). Answers the submission and its review.
 */
export function registerMarketPackageRoute(
  app: FastifyInstance,
  platform: Platform,
  host: PluginHost | undefined,
  principalOf: (req: FastifyRequest) => Promise<Principal | null>,
) {
  const principals = new WeakMap<FastifyRequest, Principal>();
  app.post(
    '/api/market/packages',
    {
      bodyLimit: maxUploadBytes,
      onRequest: async (req, reply) => {
        try {
          const principal = await principalOf(req);
          if (!principal) throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in first' });
          if (!hasPermission(principal.grants, 'market.publish'))
            throw new AppError('FORBIDDEN', {
              zh: '您没有发布应用的权限',
              en: 'You lack the permission market.publish',
            });
          const declared = Number(req.headers['content-length'] ?? 0);
          if (declared > maxUploadBytes) throw tooLarge();
          principals.set(req, principal);
        } catch (err) {
          reply.header('connection', 'close');
          return sendError(reply, err, String(req.id));
        }
      },
      errorHandler: (err, req, reply) => {
        const code = (err as { code?: string }).code;
        if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          reply.header('connection', 'close');
          return sendError(reply, tooLarge(), String(req.id));
        }
        return reply.send(err);
      },
    },
    async (req, reply) => {
      try {
        const principal = principals.get(req);
        if (!principal) throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in first' });
        if (!Buffer.isBuffer(req.body))
          throw new AppError('INVALID_INPUT', {
            zh: '请以 application/octet-stream 上传 .shequ 安装包',
            en: 'Send the .shequ archive as the request body (application/octet-stream)',
          });
        const actor = {
          subject: principal.userId,
          role: principal.grants[0]?.role ?? null,
          ip: req.ip ?? null,
          requestId: String(req.id),
          admin: principal.userId === 'cli' || principal.grants.some((g) => g.role === 'platform_admin'),
        };
        return await submitPackage({ database: platform.database, crypto: platform.crypto, host }, actor, req.body);
      } catch (err) {
        return sendError(reply, err, String(req.id));
      }
    },
  );
}

/**
 * Federation (DB33 8.1.1): every catalog serves its signed index and the signed archives it names, without sign-in
 * (the index is signed by the catalog key; followers pin that key). `GET /api/market/index` issues a fresh index with
 * the next serial; `GET /api/market/packages/:appId/:version` answers the `.shequ` archive with its sha256.
 */
export function registerCatalogRoutes(app: FastifyInstance, platform: Platform, host: PluginHost | undefined) {
  const market = (): Market => ({
    database: platform.database,
    crypto: platform.crypto,
    host,
    catalog: { id: platform.config.catalogId, upstreamHosts: platform.config.upstreamHosts },
  });
  // Each index takes a new serial (a row update): bounded per client so the open endpoint cannot be used to churn it.
  const limitIndex = app.rateLimit({ max: 120, timeWindow: '1 minute' });
  app.get('/api/market/index', { logLevel: 'warn', onRequest: limitIndex }, async (req, reply) => {
    try {
      reply.header('cache-control', 'no-store');
      return await issueIndex(market());
    } catch (err) {
      return sendError(reply, err, String(req.id));
    }
  });
  app.get<{ Params: { appId: string; version: string } }>(
    '/api/market/packages/:appId/:version',
    { logLevel: 'warn' },
    async (req, reply) => {
      try {
        const { appId, version } = req.params;
        if (!/^[a-z0-9.-]{1,100}$/.test(appId) || !/^[0-9A-Za-z.+-]{1,64}$/.test(version))
          throw new AppError('INVALID_INPUT', { zh: '应用标识或版本号无效', en: 'The app id or version is not valid' });
        const pkg = await catalogPackage(market(), appId, version);
        return reply
          .header('content-type', 'application/octet-stream')
          .header('x-content-sha256', pkg.sha256)
          .header('cache-control', 'public, max-age=31536000, immutable')
          .send(pkg.archive);
      } catch (err) {
        return sendError(reply, err, String(req.id));
      }
    },
  );
  // Catalog screenshots (DB33 7.5.2.3 browse): open like the packages they come from; versions are immutable, so the
  // answer is cached for good by browsers and proxies. Only PNG, JPEG and WebP are ever served, with their own type.
  app.get<{ Params: { appId: string; version: string; index: string } }>(
    '/api/market/screenshots/:appId/:version/:index',
    { logLevel: 'warn' },
    async (req, reply) => {
      try {
        const { appId, version, index } = req.params;
        if (!/^[a-z0-9.-]{1,100}$/.test(appId) || !/^[0-9A-Za-z.+-]{1,64}$/.test(version) || !/^\d{1,2}$/.test(index))
          throw new AppError('INVALID_INPUT', {
            zh: '应用标识、版本号或截图序号无效',
            en: 'The app id, version or screenshot number is not valid',
          });
        const shot = await catalogScreenshot(market(), appId, version, Number(index));
        return reply
          .header('content-type', shot.type)
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'")
          .header('cache-control', 'public, max-age=31536000, immutable')
          .send(shot.data);
      } catch (err) {
        return sendError(reply, err, String(req.id));
      }
    },
  );
}
