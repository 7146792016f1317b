import { AppError, hasPermission, type Principal } from '@shequ/core';
import { type PluginHost, registerPackage, unpackPlugin, verifyPackage } from '@shequ/runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendError } from './send-error.ts';

const maxPackageBytes = 8 * 1024 * 1024;

/**
 * `POST /api/plugins/packages` with a `.shequ` archive as the raw body: unpacked in memory (hostile entries refused,
 * each named), its signature checked when it has one (`?signed=required` demands one), then stored as an immutable
 * version. Nothing is stored when any check fails.
 */
export function registerPluginPackageRoute(
  app: FastifyInstance,
  host: PluginHost | undefined,
  principalOf: (req: FastifyRequest) => Promise<Principal | null>,
) {
  app.post<{ Querystring: { signed?: string } }>(
    '/api/plugins/packages',
    { bodyLimit: maxPackageBytes + 1024 },
    async (req, reply) => {
      try {
        const principal = await principalOf(req);
        if (!principal) throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in first' });
        if (!hasPermission(principal.grants, 'plugins.publish')) {
          throw new AppError('FORBIDDEN', {
            zh: '您没有上传应用的权限',
            en: 'You lack the permission plugins.publish',
          });
        }
        if (!host)
          throw new AppError('UNAVAILABLE', { zh: '应用运行环境未启动', en: 'The app runtime is not running here' });
        if (!Buffer.isBuffer(req.body)) {
          throw new AppError('INVALID_INPUT', {
            zh: '请上传 .shequ 安装包',
            en: 'Send the .shequ archive as the request body',
          });
        }
        const pkg = unpackPlugin(req.body, { maxBytes: maxPackageBytes });
        const signedBy = pkg.signature || req.query.signed === 'required' ? verifyPackage(pkg) : null;
        const stored = await registerPackage(
          host,
          pkg.manifest,
          pkg.bundle,
          signedBy ? `signed:${signedBy.keyId}` : 'archive',
        );
        return { pluginId: stored.pluginId, version: stored.version, signedBy };
      } catch (err) {
        return sendError(reply, err, String(req.id));
      }
    },
  );
}
