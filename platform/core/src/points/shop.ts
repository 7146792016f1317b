import { randomInt } from 'node:crypto';
import { enqueue } from '@shequ/bus';
import { type Executor, pointRedemptions, pointShopItems, type RedemptionState, withScope } from '@shequ/db';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError } from '../errors.ts';
import { reverseTransfer, transferPoints } from './ledger.ts';

/** Who acts, for the audit log. */
export interface ShopActor {
  userId: string;
  role?: string | null;
  ip?: string | null;
  requestId?: string | null;
}

export interface ShopItemInput {
  name: string;
  nameEn?: string | null;
  description?: string;
  price: number;
  stock: number;
  active?: boolean;
}

/** The shop's side of every redemption: points paid for goods go to the community's `shop` account. */
const shopAccount = { type: 'shop' as const, id: 'community' };
const invalid = (zh: string, en: string) => new AppError('INVALID_INPUT', { zh, en });
const scopeOf = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });

function checkItem(i: ShopItemInput) {
  if (!i.name.trim() || i.name.length > 60)
    throw invalid('请填写 60 字以内的名称', 'Give a name of at most 60 characters');
  if (!Number.isSafeInteger(i.price) || i.price < 1 || i.price > 1_000_000)
    throw invalid('所需积分必须是 1 到 100 万之间的整数', 'The price is a whole number of points from 1 to 1,000,000');
  if (!Number.isSafeInteger(i.stock) || i.stock < 0 || i.stock > 1_000_000)
    throw invalid('库存必须是 0 到 100 万之间的整数', 'The stock is a whole number from 0 to 1,000,000');
}

/** The shop's items: residents see those on sale, managers everything. */
export async function listShopItems(db: Executor, communityId: string, opts: { all?: boolean } = {}) {
  return withScope(db, scopeOf(communityId), (tx) =>
    tx
      .select()
      .from(pointShopItems)
      .where(and(eq(pointShopItems.communityId, communityId), opts.all ? undefined : eq(pointShopItems.active, true)))
      .orderBy(asc(pointShopItems.price), asc(pointShopItems.name)),
  );
}

/** Adds an item, or changes one when `id` is given (optimistic: `version` must be the one the editor saw). */
export async function saveShopItem(
  db: Executor,
  communityId: string,
  input: ShopItemInput & { id?: string; version?: number },
  actor: ShopActor,
) {
  checkItem(input);
  const values = {
    name: input.name.trim(),
    nameEn: input.nameEn?.trim() || null,
    description: input.description?.trim() ?? '',
    price: input.price,
    stock: input.stock,
    active: input.active ?? true,
  };
  return withScope(db, scopeOf(communityId), async (tx) => {
    let row: typeof pointShopItems.$inferSelect | undefined;
    if (input.id) {
      [row] = await tx
        .update(pointShopItems)
        .set({ ...values, version: sql`${pointShopItems.version} + 1` })
        .where(
          and(
            eq(pointShopItems.id, input.id),
            eq(pointShopItems.communityId, communityId),
            input.version === undefined ? undefined : eq(pointShopItems.version, input.version),
          ),
        )
        .returning();
      if (!row) {
        throw new AppError('CONFLICT', {
          zh: '该商品不存在或已被他人修改，请刷新后再试',
          en: 'The item does not exist or was changed by someone else; reload and try again',
        });
      }
    } else {
      [row] = await tx
        .insert(pointShopItems)
        .values({ communityId, ...values })
        .returning();
    }
    await appendAudit(tx, {
      subject: actor.userId,
      subjectRole: actor.role,
      action: input.id ? 'points.shop.item_updated' : 'points.shop.item_created',
      objectType: 'points.shop_item',
      objectId: row.id,
      communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { name: row.name, price: row.price, stock: row.stock, active: row.active },
    });
    return row;
  });
}

export interface RedeemRequest {
  communityId: string;
  userId: string;
  itemId: string;
  quantity: number;
  idempotencyKey: string;
}

type RedemptionRow = typeof pointRedemptions.$inferSelect;
const publicRedemption = (r: RedemptionRow, itemName: string, replayed = false) => ({
  id: r.id,
  itemId: r.itemId,
  itemName,
  quantity: r.quantity,
  amount: r.amount,
  pickupCode: r.pickupCode,
  state: r.state,
  createdAt: r.createdAt.toISOString(),
  closedAt: r.closedAt?.toISOString() ?? null,
  replayed,
});

/**
 * Redeems an item: takes the stock and pays its price to the shop in one transaction, so a sold-out item or a
 * balance too small changes nothing. A retry with the same idempotency key answers the first redemption.
 */
export async function redeemItem(db: Executor, req: RedeemRequest) {
  if (!Number.isInteger(req.quantity) || req.quantity < 1 || req.quantity > 10)
    throw invalid('每次兑换 1 到 10 件', 'Redeem 1 to 10 at a time');
  if (!/^[\w:.-]{1,100}$/.test(req.idempotencyKey))
    throw invalid('幂等键格式不正确', 'The idempotency key is 1–100 letters, digits, _ : . or -');
  return withScope(db, scopeOf(req.communityId), async (tx) => {
    const [earlier] = await tx
      .select({ r: pointRedemptions, name: pointShopItems.name })
      .from(pointRedemptions)
      .innerJoin(pointShopItems, eq(pointShopItems.id, pointRedemptions.itemId))
      .where(
        and(
          eq(pointRedemptions.communityId, req.communityId),
          eq(pointRedemptions.userId, req.userId),
          eq(pointRedemptions.idempotencyKey, req.idempotencyKey),
        ),
      );
    if (earlier) {
      if (earlier.r.itemId !== req.itemId || earlier.r.quantity !== req.quantity) {
        throw new AppError('CONFLICT', {
          zh: '该幂等键已用于另一次兑换',
          en: 'This idempotency key was already used for a different redemption',
        });
      }
      return publicRedemption(earlier.r, earlier.name, true);
    }
    const [item] = await tx
      .select()
      .from(pointShopItems)
      .where(and(eq(pointShopItems.id, req.itemId), eq(pointShopItems.communityId, req.communityId)));
    if (!item?.active) throw new AppError('NOT_FOUND', { zh: '该商品已下架', en: 'That item is not on sale' });
    // The stock is taken first with a guarded update: two residents racing for the last one cannot both get it.
    const [taken] = await tx
      .update(pointShopItems)
      .set({ stock: sql`${pointShopItems.stock} - ${req.quantity}` })
      .where(and(eq(pointShopItems.id, item.id), sql`${pointShopItems.stock} >= ${req.quantity}`))
      .returning({ stock: pointShopItems.stock });
    if (!taken) {
      throw new AppError('CONFLICT', {
        zh: item.stock === 0 ? `“${item.name}”已兑完` : `“${item.name}”只剩 ${item.stock} 件`,
        en: item.stock === 0 ? `"${item.name}" is sold out` : `Only ${item.stock} of "${item.name}" left`,
      });
    }
    const amount = item.price * req.quantity;
    const paid = await transferPoints(
      tx,
      {
        communityId: req.communityId,
        kind: 'points',
        from: { type: 'user', id: req.userId },
        to: shopAccount,
        amount,
        reason: `积分兑换 / redeemed: ${item.name} × ${req.quantity}`,
        idempotencyKey: `redeem:${req.userId}:${req.idempotencyKey}`.slice(0, 128),
      },
      req.userId,
    );
    // Pickup codes are random and unique in the community: a rare clash draws again (in a savepoint).
    let row: RedemptionRow | undefined;
    for (let attempt = 0; !row; attempt++) {
      try {
        row = await tx.transaction(async (sp) => {
          const [r] = await sp
            .insert(pointRedemptions)
            .values({
              communityId: req.communityId,
              itemId: item.id,
              userId: req.userId,
              quantity: req.quantity,
              amount,
              transferId: paid.id,
              pickupCode: String(randomInt(0, 1_000_000)).padStart(6, '0'),
              idempotencyKey: req.idempotencyKey,
            })
            .returning();
          return r;
        });
      } catch (err) {
        type PgError = { code?: string; constraint_name?: string; constraint?: string };
        const e = err as PgError & { cause?: PgError };
        const c: PgError = e.cause ?? e;
        const clash = c.code === '23505' && `${c.constraint_name ?? c.constraint ?? ''}`.includes('pickup');
        if (!clash || attempt >= 5) throw err;
      }
    }
    await enqueue(tx, {
      subject: 'shequ.points.redeemed',
      communityId: req.communityId,
      data: { id: row.id, itemId: item.id, userId: req.userId, quantity: req.quantity, amount },
    });
    return publicRedemption(row, item.name);
  });
}

/** A resident's redemptions, newest first. */
export async function myRedemptions(db: Executor, communityId: string, userId: string) {
  const rows = await withScope(db, scopeOf(communityId), (tx) =>
    tx
      .select({ r: pointRedemptions, name: pointShopItems.name })
      .from(pointRedemptions)
      .innerJoin(pointShopItems, eq(pointShopItems.id, pointRedemptions.itemId))
      .where(and(eq(pointRedemptions.communityId, communityId), eq(pointRedemptions.userId, userId)))
      .orderBy(desc(pointRedemptions.createdAt))
      .limit(100),
  );
  return rows.map((x) => publicRedemption(x.r, x.name));
}

/** The service desk's list: open redemptions first, then the latest closed ones. */
export async function listRedemptions(db: Executor, communityId: string, state?: RedemptionState) {
  const rows = await withScope(db, scopeOf(communityId), (tx) =>
    tx
      .select({ r: pointRedemptions, name: pointShopItems.name })
      .from(pointRedemptions)
      .innerJoin(pointShopItems, eq(pointShopItems.id, pointRedemptions.itemId))
      .where(and(eq(pointRedemptions.communityId, communityId), state ? eq(pointRedemptions.state, state) : undefined))
      .orderBy(desc(pointRedemptions.createdAt))
      .limit(200),
  );
  return rows.map((x) => ({ ...publicRedemption(x.r, x.name), userId: x.r.userId }));
}

/**
 * Closes an open redemption found by its pickup code: `fulfilled` when the goods are handed over, `cancelled` to
 * give the points back (a reversing transfer) and put the stock back.
 */
export async function closeRedemption(
  db: Executor,
  communityId: string,
  pickupCode: string,
  outcome: Exclude<RedemptionState, 'placed'>,
  actor: ShopActor,
) {
  if (!/^\d{6}$/.test(pickupCode)) throw invalid('取货码是 6 位数字', 'The pickup code is 6 digits');
  return withScope(db, scopeOf(communityId), async (tx) => {
    const [locked] = await tx
      .select()
      .from(pointRedemptions)
      .where(and(eq(pointRedemptions.communityId, communityId), eq(pointRedemptions.pickupCode, pickupCode)))
      .for('update');
    const [item] = locked
      ? await tx.select({ name: pointShopItems.name }).from(pointShopItems).where(eq(pointShopItems.id, locked.itemId))
      : [];
    const r = locked ? { r: locked, name: item?.name ?? '' } : undefined;
    if (!r) throw new AppError('NOT_FOUND', { zh: '没有这个取货码', en: 'No redemption has that pickup code' });
    if (r.r.state !== 'placed') {
      throw new AppError('CONFLICT', {
        zh: r.r.state === 'fulfilled' ? '该兑换已领取' : '该兑换已取消',
        en: r.r.state === 'fulfilled' ? 'That redemption was already handed over' : 'That redemption was cancelled',
      });
    }
    if (outcome === 'cancelled') {
      await reverseTransfer(
        tx,
        communityId,
        r.r.transferId,
        `兑换取消 / redemption cancelled ${pickupCode}`,
        actor.userId,
      );
      await tx
        .update(pointShopItems)
        .set({ stock: sql`${pointShopItems.stock} + ${r.r.quantity}` })
        .where(eq(pointShopItems.id, r.r.itemId));
    }
    const [row] = await tx
      .update(pointRedemptions)
      .set({ state: outcome, closedAt: new Date(), closedBy: actor.userId })
      .where(eq(pointRedemptions.id, r.r.id))
      .returning();
    await appendAudit(tx, {
      subject: actor.userId,
      subjectRole: actor.role,
      action: `points.redemption.${outcome}`,
      objectType: 'points.redemption',
      objectId: row.id,
      communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { pickupCode, item: r.name, quantity: row.quantity, amount: row.amount },
    });
    await enqueue(tx, {
      subject: `shequ.points.redemption_${outcome}`,
      communityId,
      data: { id: row.id, userId: row.userId },
    });
    return { ...publicRedemption(row, r.name), userId: row.userId };
  });
}
