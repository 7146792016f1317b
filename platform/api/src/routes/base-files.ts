import { AppError, communityDate, exportPeople, importBatch, type Platform, type Principal } from '@shequ/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf, baseDeps, communityFor } from '../community.ts';
import { sendError } from './send-error.ts';

const kinds = ['people', 'houses', 'vehicles', 'spaces', 'facilities'] as const;

/**
 * `POST /api/base/import/:kind?community=CODE&dryRun=true` with the file as the raw body (CSV or XLSX, up to
 * 20 MB; name in `x-file-name`). Answers the row-level report. A REST route because files are not JSON.
 */
export function registerImportRoute(
  app: FastifyInstance,
  platform: Platform,
  principalOf: (req: FastifyRequest) => Promise<Principal | null>,
) {
  app.addContentTypeParser(
    ['text/csv', 'application/octet-stream', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    { parseAs: 'buffer', bodyLimit: 21 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.post<{ Params: { kind: string }; Querystring: { community?: string; dryRun?: string } }>(
    '/api/base/import/:kind',
    { bodyLimit: 21 * 1024 * 1024 },
    async (req, reply) => {
      try {
        const principal = await principalOf(req);
        if (!principal) throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in first' });
        const kind = req.params.kind as (typeof kinds)[number];
        if (!kinds.includes(kind))
          throw new AppError('NOT_FOUND', {
            zh: `不支持导入“${req.params.kind}”`,
            en: `Cannot import ${req.params.kind}; expected ${kinds.join(' or ')}`,
          });
        if (!Buffer.isBuffer(req.body))
          throw new AppError('INVALID_INPUT', {
            zh: '请上传 CSV 或 XLSX 文件',
            en: 'Send the CSV or XLSX file as the request body',
          });
        const ctx = { platform, principal, meta: { ip: req.ip ?? null, userAgent: null, requestId: String(req.id) } };
        const c = await communityFor(ctx, req.query.community ?? '', 'base.import');
        const fileName = decodeURIComponent(String(req.headers['x-file-name'] ?? `${kind}.csv`));
        return await importBatch(baseDeps({ platform }), principal.scope, {
          kind,
          communityId: c.id,
          fileName,
          data: req.body,
          dryRun: req.query.dryRun === 'true' || req.query.dryRun === '1',
          actor: actorOf(ctx),
        });
      } catch (err) {
        return sendError(reply, err, String(req.id));
      }
    },
  );
}

/** `GET /api/base/export/people?community=CODE&format=csv|xlsx`: the community's people, masked, audited. */
export function registerExportRoute(
  app: FastifyInstance,
  platform: Platform,
  principalOf: (req: FastifyRequest) => Promise<Principal | null>,
) {
  app.get<{ Querystring: { community?: string; format?: string } }>('/api/base/export/people', async (req, reply) => {
    try {
      const principal = await principalOf(req);
      if (!principal) throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in first' });
      const format = req.query.format === 'xlsx' ? 'xlsx' : 'csv';
      const ctx = { platform, principal, meta: { ip: req.ip ?? null, userAgent: null, requestId: String(req.id) } };
      const c = await communityFor(ctx, req.query.community ?? '', 'base.people.read');
      const file = await exportPeople(baseDeps({ platform }), principal.scope, c.id, format, actorOf(ctx));
      const name = `people-${c.code}-${communityDate()}.${format}`;
      return reply
        .header(
          'content-type',
          format === 'csv'
            ? 'text/csv; charset=utf-8'
            : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        )
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(file);
    } catch (err) {
      return sendError(reply, err, String(req.id));
    }
  });
}
