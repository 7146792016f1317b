import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import { OidcLogin, type Platform, type Principal } from '@shequ/core';
import type { IotEngine, RuleEngine } from '@shequ/iot';
import type { PluginHost } from '@shequ/runtime';
import { sql } from 'drizzle-orm';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { appRouter } from './router.ts';
import { registerExportRoute, registerImportRoute } from './routes/base-files.ts';
import { registerEsignRoutes } from './routes/esign.ts';
import { registerCatalogRoutes, registerMarketPackageRoute } from './routes/market-packages.ts';
import { registerOidcRoutes } from './routes/oidc.ts';
import { registerOpenApiRoutes } from './routes/open-api.ts';
import { registerOperationsRoutes } from './routes/operations.ts';
import { registerPaymentNotifyRoute } from './routes/payment-notify.ts';
import { registerPluginPackageRoute } from './routes/plugin-packages.ts';
import { SESSION_COOKIE, setSessionCookie } from './session-cookie.ts';
import type { Context } from './trpc.ts';
import { registerTrpcRoute } from './trpc-route.ts';

export interface ServerOptions {
  /** A bearer token that acts as a platform administrator: how the local CLI reaches the running platform. */
  adminToken?: string;
  loginRateLimit?: number;
  /** Runs app handlers for tRPC's plugins.* procedures. */
  plugins?: PluginHost;
  /** The IoT engine of this process, for device commands and ending sessions of disabled devices. */
  iot?: IotEngine;
  /** The rule consumer of this process: rule changes made here reach it at once. */
  rules?: RuleEngine;
  /** The signed open API's clock (timestamp window, per-minute limits); tests move it. */
  openApiNow?: () => number;
}

const loginPaths = /\/api\/trpc\/[^?]*auth\.(login|loginWithCode|requestCode|verifyTotp)/;

async function principalFor(platform: Platform, req: FastifyRequest, adminToken?: string): Promise<Principal | null> {
  const auth = req.headers.authorization;
  if (adminToken && auth?.startsWith('Bearer ')) {
    const given = Buffer.from(auth.slice(7));
    const want = Buffer.from(adminToken);
    if (given.length === want.length && timingSafeEqual(given, want)) {
      return {
        userId: 'cli',
        displayName: 'shequ CLI',
        locale: 'zh-CN',
        grants: [
          {
            role: 'platform_admin',
            regionId: null,
            regionPath: null,
            regionName: null,
            regionCode: null,
            regionLevel: null,
          },
        ],
        shells: [],
        scope: { kind: 'all' },
        sessionId: 'cli',
        mfaPending: false,
      };
    }
  }
  return platform.auth.principal(req.cookies[SESSION_COOKIE]);
}

/** The API process: health, tRPC under /api/trpc, request ids, login rate limits; logs to the platform's log. */
export async function buildServer(platform: Platform, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: platform.log as unknown as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    trustProxy: '127.0.0.1',
    // App packages (manifest + bundle) are registered through tRPC; 8 MB leaves room for a 5 MB bundle.
    bodyLimit: 8 * 1024 * 1024,
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  const limitLogin = app.rateLimit({
    max: opts.loginRateLimit ?? 30,
    timeWindow: '1 minute',
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: {
        message: 'Too many sign-in attempts',
        data: {
          appCode: 'RATE_LIMITED',
          messageZh: `登录尝试过于频繁，请 ${Math.ceil(ctx.ttl / 1000)} 秒后再试`,
          messageEn: `Too many sign-in attempts; retry in ${Math.ceil(ctx.ttl / 1000)} s`,
          httpStatus: 429,
        },
      },
    }),
  });
  app.addHook('onRequest', async (req, reply) => {
    if (loginPaths.test(req.url)) await limitLogin.call(app, req, reply);
  });

  // Load balancers poll health constantly: the database is pinged at most once a second, shared by all callers.
  let ping: { at: number; ok: Promise<boolean> } | undefined;
  const dbAlive = () => {
    const now = Date.now();
    if (!ping || now - ping.at > 1000) {
      ping = {
        at: now,
        ok: platform.database.db.execute(sql`select 1`).then(
          () => true,
          () => false,
        ),
      };
    }
    return ping.ok;
  };
  app.get('/api/health', { logLevel: 'warn' }, async (_req, reply) => {
    const body = { db: platform.database.kind, bus: platform.bus.kind, version: platform.version };
    if (!(await dbAlive())) return reply.code(503).send({ status: 'error', ...body });
    return { status: 'ok', ...body };
  });

  registerOidcRoutes(
    app,
    platform,
    platform.config.oidc
      ? new OidcLogin(platform.database, platform.config.oidc, platform.crypto, platform.auth)
      : undefined,
  );

  registerPaymentNotifyRoute(app, platform);
  registerOpenApiRoutes(app, platform, { now: opts.openApiNow });
  registerImportRoute(app, platform, (req) => principalFor(platform, req, opts.adminToken));
  registerEsignRoutes(app, platform);
  registerExportRoute(app, platform, (req) => principalFor(platform, req, opts.adminToken));
  registerPluginPackageRoute(app, opts.plugins, (req) => principalFor(platform, req, opts.adminToken));
  registerMarketPackageRoute(app, platform, opts.plugins, (req) => principalFor(platform, req, opts.adminToken));
  registerCatalogRoutes(app, platform, opts.plugins);
  registerOperationsRoutes(app, platform, opts.plugins, (req) => principalFor(platform, req, opts.adminToken));

  const secure = platform.config.publicUrl?.startsWith('https:') ?? false;
  // Per-request lines would dominate the log; errors are logged by the tRPC error formatter.
  await registerTrpcRoute(app, {
    prefix: '/api/trpc',
    router: appRouter,
    createContext: async (req, res): Promise<Context> => ({
      platform,
      plugins: opts.plugins,
      iot: opts.iot ?? null,
      rules: opts.rules,
      principal: await principalFor(platform, req, opts.adminToken),
      sessionToken: req.cookies[SESSION_COOKIE],
      meta: { ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null, requestId: String(req.id) },
      setSessionCookie: (token, expiresAt) => setSessionCookie(res, token, expiresAt, secure),
      clearSessionCookie: () => res.clearCookie(SESSION_COOKIE, { path: '/' }),
    }),
  });
  return app;
}

export const newAdminToken = () => randomBytes(32).toString('base64url');
