import { AppError, hasPermission } from '@shequ/core';
import { products, regions } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { Context } from './trpc.ts';

type Authed = Pick<Context, 'platform'> & { principal: NonNullable<Context['principal']> };

/**
 * Resolves a product key to its community and checks `permission` there, the way communityFor does for codes:
 * a product outside the caller's jurisdiction is refused the same way as one that does not exist.
 */
export async function productFor(ctx: Authed, productKey: string, permission: string) {
  const [row] = await ctx.platform.database.db
    .select({ communityId: products.communityId, path: regions.path })
    .from(products)
    .innerJoin(regions, eq(regions.id, products.communityId))
    .where(eq(products.productKey, productKey));
  if (!row || !hasPermission(ctx.principal.grants, permission, row.path)) {
    throw new AppError('NOT_FOUND', {
      zh: `产品 ${productKey} 不存在或不在您的管辖范围内`,
      en: `No product ${productKey} in your jurisdiction`,
    });
  }
  return { communityId: row.communityId };
}

/** The IoT engine of this process; an API-only process has none and cannot reach devices. */
export function engineOf(ctx: Pick<Context, 'iot'>) {
  if (!ctx.iot)
    throw new AppError('UNAVAILABLE', {
      zh: '本进程未运行物联网网关',
      en: 'The IoT gateway does not run in this process (start role all or iot)',
    });
  return ctx.iot;
}
