import { AppError, handleNotification, type Platform } from '@shequ/core';
import { type ProviderId, providerIds } from '@shequ/db';
import type { FastifyInstance } from 'fastify';

/**
 * `POST /api/payment/notify/:provider`: a payment provider's asynchronous notification. No session: the signature
 * is the authentication. The raw body is kept as received (signatures cover the exact bytes); the handler verifies
 * signature, time window and replay, applies the notification once, and the reply is what the provider expects
 * (WeChat: 204, Alipay: the exact body `success`). A refused notification answers the provider's failure shape
 * with the reason, so it resends (a genuine one) or gives up (a forged one never verifies).
 */
export function registerPaymentNotifyRoute(app: FastifyInstance, platform: Platform) {
  app.register(async (scope) => {
    // Signatures cover the body byte for byte: take JSON and forms as text, unparsed.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    scope.post<{ Params: { provider: string } }>('/api/payment/notify/:provider', async (req, reply) => {
      const provider = req.params.provider as ProviderId;
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]),
      );
      const notice = { headers, body: typeof req.body === 'string' ? req.body : '' };
      try {
        if (!providerIds.includes(provider) || !platform.payment.providers[provider]) {
          throw new AppError('NOT_FOUND', {
            zh: '未知的支付渠道',
            en: `Unknown payment provider ${req.params.provider}`,
          });
        }
        const { reply: answer, outcome } = await handleNotification(platform.payment, provider, notice);
        req.log.info({ provider, outcome }, 'payment notification');
        return reply.code(answer.status).type(answer.contentType).send(answer.body);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        req.log.warn({ provider, code: err.code, reason: err.messageEn }, 'payment notification refused');
        const p = platform.payment.providers[provider];
        const answer = p?.reply(notice, false, err.messageZh) ?? {
          status: 404,
          contentType: 'text/plain',
          body: 'fail',
        };
        return reply
          .code(answer.status >= 400 ? err.status : answer.status)
          .type(answer.contentType)
          .send(answer.body);
      }
    });
  });
}
