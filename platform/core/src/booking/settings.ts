import { enqueue } from '@shequ/bus';
import { bookableSpaces, type Executor, type OpeningHours, spaces, type Tx, withScope } from '@shequ/db';
import { and, asc, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError, notFound } from '../errors.ts';
import { isRoleName } from '../identity/permissions.ts';
import type { Actor } from '../identity/user-service.ts';
import { checkOpeningHours } from './slots.ts';

/** What an operator sets for a bookable space. */
export interface SpaceSettingsInput {
  enabled: boolean;
  /** Seven weekdays, Monday first, of `{ open: 'HH:mm', close: 'HH:mm' }` windows (Asia/Shanghai). */
  openingHours: OpeningHours;
  slotMinutes: number;
  capacity: number;
  allowedRoles: string[];
  maxPerWeek: number | null;
  holdMinutes: number;
  cancelBeforeMinutes: number;
  advanceDays: number;
  /** Integer fen (分); 0 for free spaces. */
  feeFen: number;
  rules: string | null;
}

const scopeOf = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });

const between = (v: number, lo: number, hi: number) => Number.isSafeInteger(v) && v >= lo && v <= hi;

function checkSettings(s: SpaceSettingsInput): SpaceSettingsInput {
  const errs: Record<string, string[]> = {};
  const bad = (field: string, en: string) => {
    errs[field] = [en];
  };
  if (!between(s.slotMinutes, 15, 480)) bad('slotMinutes', 'Slots are 15 to 480 minutes');
  if (!between(s.capacity, 1, 100)) bad('capacity', 'Capacity is 1 to 100');
  if (s.maxPerWeek !== null && !between(s.maxPerWeek, 1, 100)) bad('maxPerWeek', 'At most 1 to 100 a week');
  if (!between(s.holdMinutes, 1, 120)) bad('holdMinutes', 'Holds last 1 to 120 minutes');
  if (!between(s.cancelBeforeMinutes, 0, 10080)) bad('cancelBeforeMinutes', '0 to 10,080 minutes (a week)');
  if (!between(s.advanceDays, 1, 90)) bad('advanceDays', '1 to 90 days ahead');
  if (!between(s.feeFen, 0, 100_000_000)) bad('feeFen', 'The fee is whole fen from 0 to 1,000,000 yuan');
  for (const r of s.allowedRoles) if (!isRoleName(r)) bad('allowedRoles', `Unknown role ${r}`);
  if (s.rules && s.rules.length > 1000) bad('rules', 'Rules are at most 1,000 characters');
  if (Object.keys(errs).length > 0) {
    throw new AppError('INVALID_INPUT', {
      zh: `预约设置有误：${Object.keys(errs).join('、')}`,
      en: `Invalid booking settings: ${Object.values(errs).flat().join('; ')}`,
      fieldErrors: errs,
    });
  }
  return {
    ...s,
    openingHours: checkOpeningHours(s.openingHours, s.slotMinutes),
    allowedRoles: [...new Set(s.allowedRoles)].sort(),
  };
}

/** A public space with its booking settings (null when it is not bookable yet). */
export interface BookableSpace {
  spaceId: string;
  name: string;
  useType: string;
  location: string | null;
  settings: (SpaceSettingsInput & { version: number; updatedAt: string }) | null;
}

function toSettings(r: typeof bookableSpaces.$inferSelect) {
  return {
    enabled: r.enabled,
    openingHours: r.openingHours,
    slotMinutes: r.slotMinutes,
    capacity: r.capacity,
    allowedRoles: r.allowedRoles,
    maxPerWeek: r.maxPerWeek,
    holdMinutes: r.holdMinutes,
    cancelBeforeMinutes: r.cancelBeforeMinutes,
    advanceDays: r.advanceDays,
    feeFen: r.feeFen,
    rules: r.rules,
    version: r.version,
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** Public spaces of the community (base warehouse) and their booking settings; `onlyBookable` hides the others. */
export async function listBookableSpaces(db: Executor, communityId: string, onlyBookable: boolean) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const list = await tx
      .select({ id: spaces.id, name: spaces.name, useType: spaces.useType, location: spaces.location })
      .from(spaces)
      .where(eq(spaces.communityId, communityId))
      .orderBy(asc(spaces.name));
    const settings = new Map(
      (await tx.select().from(bookableSpaces).where(eq(bookableSpaces.communityId, communityId))).map((r) => [
        r.spaceId,
        r,
      ]),
    );
    return list
      .map(
        (r): BookableSpace => ({
          spaceId: r.id,
          name: r.name,
          useType: r.useType,
          location: r.location,
          settings: settings.has(r.id) ? toSettings(settings.get(r.id) as typeof bookableSpaces.$inferSelect) : null,
        }),
      )
      .filter((r) => !onlyBookable || r.settings?.enabled);
  });
}

/** The settings row of a bookable space inside a transaction; NOT_FOUND when the space is not bookable. */
export async function settingsIn(tx: Tx, spaceId: string) {
  const [row] = await tx
    .select({ s: bookableSpaces, name: spaces.name })
    .from(bookableSpaces)
    .innerJoin(spaces, eq(spaces.id, bookableSpaces.spaceId))
    .where(eq(bookableSpaces.spaceId, spaceId));
  if (!row) throw notFound('Bookable space', '可预约场地');
  return { ...row.s, name: row.name };
}

/**
 * Makes a public space of the base warehouse bookable or changes its settings. `expectedVersion` guards against
 * overwriting another operator's change (CONFLICT).
 */
export async function saveSpaceSettings(
  db: Executor,
  communityId: string,
  spaceId: string,
  input: SpaceSettingsInput,
  actor: Actor,
  expectedVersion?: number,
) {
  const s = checkSettings(input);
  return withScope(db, scopeOf(communityId), async (tx) => {
    const [space] = await tx
      .select({ id: spaces.id })
      .from(spaces)
      .where(and(eq(spaces.id, spaceId), eq(spaces.communityId, communityId)));
    if (!space) throw notFound('Public space', '公共空间');
    const [current] = await tx.select().from(bookableSpaces).where(eq(bookableSpaces.spaceId, spaceId)).for('update');
    if (expectedVersion !== undefined && (current?.version ?? 0) !== expectedVersion) {
      throw new AppError('CONFLICT', {
        zh: '预约设置已被他人修改，请刷新后重试',
        en: 'Someone else changed these settings; reload and try again',
      });
    }
    const values = { ...s, communityId, updatedBy: actor.subject, updatedAt: new Date() };
    const [row] = current
      ? await tx
          .update(bookableSpaces)
          .set({ ...values, version: current.version + 1 })
          .where(eq(bookableSpaces.spaceId, spaceId))
          .returning()
      : await tx
          .insert(bookableSpaces)
          .values({ ...values, spaceId })
          .returning();
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'booking.space.save',
      objectType: 'booking_space',
      objectId: spaceId,
      communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { version: row.version, enabled: s.enabled, slotMinutes: s.slotMinutes, capacity: s.capacity },
    });
    await enqueue(tx, {
      subject: 'shequ.booking.space_saved',
      communityId,
      data: { spaceId, version: row.version, enabled: s.enabled },
    });
    return toSettings(row);
  });
}
