import type { OidcLogin, Platform } from '@shequ/core';
import type { FastifyInstance } from 'fastify';
import { setSessionCookie } from '../session-cookie.ts';

const notConfigured = {
  error: {
    appCode: 'NOT_FOUND',
    messageZh: '未配置统一身份认证',
    messageEn: 'Unified identity login is not configured',
  },
};

/** Unified identity (OIDC) sign-in: start redirects to the provider; callback opens a session and returns the user. */
export function registerOidcRoutes(app: FastifyInstance, platform: Platform, oidc: OidcLogin | undefined): void {
  const secure = platform.config.publicUrl?.startsWith('https:') ?? false;

  app.get<{ Querystring: { returnTo?: string } }>('/api/auth/oidc/start', async (req, reply) => {
    if (!platform.config.oidc || !oidc) return reply.code(404).send(notConfigured);
    try {
      const returnTo = typeof req.query.returnTo === 'string' ? req.query.returnTo : '/app';
      return reply.redirect(await oidc.start(returnTo), 302);
    } catch (err) {
      req.log.warn({ err }, 'oidc: could not start the sign-in');
      return reply.redirect('/login?error=oidc', 302);
    }
  });

  app.get('/api/auth/oidc/callback', async (req, reply) => {
    if (!platform.config.oidc || !oidc) return reply.redirect('/login?error=oidc', 302);
    try {
      // Only the query matters: finish() rebuilds the callback on the configured redirect URI.
      const callbackUrl = new URL(req.url, 'http://callback.invalid');
      const session = await oidc.finish(callbackUrl, {
        ip: req.ip ?? null,
        userAgent: req.headers['user-agent'] ?? null,
        requestId: String(req.id),
      });
      setSessionCookie(reply, session.token, session.expiresAt, secure);
      return reply.redirect(session.returnTo, 302);
    } catch (err) {
      req.log.warn({ err }, 'oidc: sign-in callback failed');
      return reply.redirect('/login?error=oidc', 302);
    }
  });
}
