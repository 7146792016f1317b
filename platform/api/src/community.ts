import { AppError, hasPermission } from '@shequ/core';
import { regions } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { Context } from './trpc.ts';

type Region = typeof regions.$inferSelect;
// Community codes resolve on nearly every request and the region tree changes rarely: keep answers for 30 s.
const cache = new WeakMap<object, Map<string, { region: Region | undefined; until: number }>>();

async function lookup(db: Context['platform']['database']['db'], code: string): Promise<Region | undefined> {
  let byCode = cache.get(db);
  if (!byCode) {
    byCode = new Map();
    cache.set(db, byCode);
  }
  const hit = byCode.get(code);
  if (hit && hit.until > Date.now()) return hit.region;
  const [region] = await db.select().from(regions).where(eq(regions.code, code));
  if (byCode.size > 10_000) byCode.clear();
  byCode.set(code, { region, until: Date.now() + 30_000 });
  return region;
}

/**
 * Resolves a community code to its id and checks that the caller holds `permission` over it. The same check
 * serves tRPC procedures and REST routes, so a code outside the caller's jurisdiction is refused the same way.
 */
export async function communityFor(
  ctx: Pick<Context, 'platform'> & { principal: NonNullable<Context['principal']> },
  code: string,
  permission: string,
) {
  const c = await lookup(ctx.platform.database.db, code);
  if (c?.level !== 'community') {
    throw new AppError('NOT_FOUND', { zh: `社区“${code}”不存在`, en: `No community with code ${code}` });
  }
  if (!hasPermission(ctx.principal.grants, permission, c.path)) {
    throw new AppError('FORBIDDEN', {
      zh: '该社区不在您的管辖范围内，或您没有此权限',
      en: `You lack ${permission} in community ${code}`,
    });
  }
  return { id: c.id, code: c.code, name: c.name, path: c.path };
}

export const actorOf = (ctx: Pick<Context, 'meta'> & { principal: NonNullable<Context['principal']> }) => ({
  subject: ctx.principal.userId,
  role: ctx.principal.grants[0]?.role ?? null,
  ip: ctx.meta.ip,
  requestId: ctx.meta.requestId,
});

/** What base-data services need from the platform. */
export const baseDeps = (ctx: Pick<Context, 'platform'>) => ({
  db: ctx.platform.database.db,
  crypto: ctx.platform.crypto,
});
