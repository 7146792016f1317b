import { AppError, hasPermission, type Platform, type Principal } from '@shequ/core';
import {
  type Market,
  maxReportBytes,
  operationsCsv,
  operationsMetrics,
  operationsReportOf,
  receiveOperationsReport,
  type SignedOperationsReport,
} from '@shequ/marketplace';
import type { PluginHost } from '@shequ/runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendError } from './send-error.ts';

const day = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Operations metrics (DB33 8.1.2) over HTTP:
 * - `GET /api/gov/operations.csv?from=&to=`: the figures of the caller's jurisdiction as CSV (government roles with
 *   `market.metrics.read`; UTF-8 with a BOM, Chinese headers).
 * - `GET /api/market/operations-report[?day=]`: the daily signed report (latest, or of a day) for upstreams. Open like
 *   the federation index: it holds aggregate figures only and is signed with the platform key upstreams pin.
 * - `POST /api/market/operations-reports`: a downstream catalog pushes its signed daily report here. No session: the
 *   sender is known by the catalog key an administrator registered for it (`market.downstreams.add`), and the report's
 *   signature is its proof. Answers `{ stored }` (false when the same report was here already).
 */
export function registerOperationsRoutes(
  app: FastifyInstance,
  platform: Platform,
  host: PluginHost | undefined,
  principalOf: (req: FastifyRequest) => Promise<Principal | null>,
) {
  const market = (): Market => ({
    database: platform.database,
    crypto: platform.crypto,
    catalog: { id: platform.config.catalogId, upstreamHosts: platform.config.upstreamHosts },
  });
  app.get<{ Querystring: { from?: string; to?: string } }>('/api/gov/operations.csv', async (req, reply) => {
    try {
      const principal = await principalOf(req);
      if (!principal) throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in first' });
      if (!hasPermission(principal.grants, 'market.metrics.read'))
        throw new AppError('FORBIDDEN', {
          zh: '您没有查看应用运营数据的权限',
          en: 'You lack the permission market.metrics.read',
        });
      const from = String(req.query.from ?? '');
      const to = String(req.query.to ?? '');
      // This process's calls not yet flushed count too (the others flush every few seconds).
      await host?.flushMetrics();
      const r = await operationsMetrics(
        platform.database.db,
        (path) => hasPermission(principal.grants, 'market.metrics.read', path),
        { from, to },
      );
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="operations-${from}-${to}.csv"`)
        .header('cache-control', 'no-store')
        .send(operationsCsv(r));
    } catch (err) {
      return sendError(reply, err, String(req.id));
    }
  });
  const limit = app.rateLimit({ max: 120, timeWindow: '1 minute' });
  app.get<{ Querystring: { day?: string } }>(
    '/api/market/operations-report',
    { logLevel: 'warn', onRequest: limit },
    async (req, reply): Promise<SignedOperationsReport | undefined> => {
      try {
        const d = req.query.day;
        if (d !== undefined && !day.test(String(d)))
          throw new AppError('INVALID_INPUT', { zh: '日期格式应为 YYYY-MM-DD', en: 'The day must be YYYY-MM-DD' });
        reply.header('cache-control', 'no-store');
        return await operationsReportOf(market(), d);
      } catch (err) {
        return sendError(reply, err, String(req.id));
      }
    },
  );
  const malformed = (en: string) =>
    new AppError('INVALID_INPUT', { zh: `运营报告格式不正确：${en}`, en: `The operations report is malformed: ${en}` });
  app.post(
    '/api/market/operations-reports',
    {
      logLevel: 'warn',
      onRequest: limit,
      bodyLimit: maxReportBytes,
      errorHandler: (err, req, reply) => {
        const e = err as { code?: string; statusCode?: number; message?: string };
        if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          reply.header('connection', 'close');
          return sendError(
            reply,
            new AppError('INVALID_INPUT', {
              zh: `运营报告超过 ${maxReportBytes / 1024 / 1024} MB 上限，已拒绝`,
              en: `The operations report is over the ${maxReportBytes / 1024 / 1024} MB limit; refused`,
            }),
            String(req.id),
          );
        }
        if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
          return sendError(reply, malformed(String(e.message ?? 'not JSON').slice(0, 200)), String(req.id));
        return reply.send(err);
      },
    },
    async (req, reply) => {
      try {
        return await receiveOperationsReport(market(), req.body);
      } catch (err) {
        return sendError(reply, err, String(req.id));
      }
    },
  );
}
