import { enqueue } from '@shequ/bus';
import {
  type Executor,
  type FeeRule,
  type ParkingSpaceKind,
  parkingFeeRules,
  parkingSpaces,
  personRefs,
  type Tx,
  withScope,
} from '@shequ/db';
import { and, asc, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { defaultFeeRule } from './fees.ts';
import { accessScope } from './visitors.ts';

const sqlState = (err: unknown): string | undefined => {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code;
};

async function audit(tx: Tx, actor: Actor, communityId: string, action: string, objectId: string, detail: object) {
  await appendAudit(tx, {
    subject: actor.subject,
    subjectRole: actor.role,
    action: `access.${action}`,
    objectType: `access.${action.split('.')[0]}`,
    objectId,
    communityId,
    result: 'success',
    sourceIp: actor.ip,
    requestId: actor.requestId,
    detail: detail as Record<string, unknown>,
  });
  await enqueue(tx, { subject: `shequ.access.${action}`, communityId, data: { id: objectId, ...detail } });
}

/** The community's parking fee rule (the default until it is saved). */
export async function getFeeRule(db: Executor, communityId: string) {
  return withScope(db, accessScope(communityId), async (tx) => {
    const [r] = await tx.select().from(parkingFeeRules).where(eq(parkingFeeRules.communityId, communityId));
    return r
      ? { freeMinutes: r.freeMinutes, perHourFen: r.perHourFen, dailyCapFen: r.dailyCapFen, version: r.version }
      : { ...defaultFeeRule, version: 0 };
  });
}

/** Saves the fee rule; `expectedVersion` refuses a save over someone else's change. Sessions closed before keep theirs. */
export async function saveFeeRule(
  db: Executor,
  communityId: string,
  rule: FeeRule,
  actor: Actor,
  expectedVersion?: number,
) {
  if (rule.dailyCapFen > 0 && rule.perHourFen > rule.dailyCapFen) {
    throw new AppError('INVALID_INPUT', {
      zh: '每小时费用不能高于每日封顶',
      en: 'The hourly fee cannot exceed the daily cap',
    });
  }
  return withScope(db, accessScope(communityId), async (tx) => {
    const [cur] = await tx
      .select()
      .from(parkingFeeRules)
      .where(eq(parkingFeeRules.communityId, communityId))
      .for('update');
    if (expectedVersion !== undefined && (cur?.version ?? 0) !== expectedVersion) {
      throw new AppError('CONFLICT', {
        zh: '收费规则已被他人修改，请刷新',
        en: 'The fee rule was changed by someone else; reload',
      });
    }
    const values = { ...rule, updatedBy: actor.subject, updatedAt: new Date() };
    const [row] = cur
      ? await tx
          .update(parkingFeeRules)
          .set({ ...values, version: cur.version + 1 })
          .where(eq(parkingFeeRules.communityId, communityId))
          .returning()
      : await tx
          .insert(parkingFeeRules)
          .values({ communityId, ...values })
          .returning();
    await audit(tx, actor, communityId, 'fee_rule.saved', communityId, { ...rule, version: row.version });
    return {
      freeMinutes: row.freeMinutes,
      perHourFen: row.perHourFen,
      dailyCapFen: row.dailyCapFen,
      version: row.version,
    };
  });
}

export interface ParkingSpaceInput {
  code: string;
  kind: ParkingSpaceKind;
  vehicleId?: string | null;
  location?: string | null;
}

const spaceView = (s: typeof parkingSpaces.$inferSelect) => ({
  id: s.id,
  code: s.code,
  kind: s.kind,
  vehicleId: s.vehicleId,
  location: s.location,
  version: s.version,
  updatedAt: s.updatedAt.toISOString(),
});

const codeTaken = (code: string, cause: unknown) =>
  new AppError('CONFLICT', { zh: `车位编号 ${code} 已存在`, en: `Parking space ${code} already exists`, cause });

const notInCommunity = (cause: unknown) =>
  new AppError('INVALID_INPUT', { zh: '所选车辆不在本社区', en: 'The vehicle is not in this community', cause });

/** Parking spaces of the community in code order, with the linked vehicle's plate. */
export async function listParkingSpaces(db: Executor, communityId: string) {
  return withScope(db, accessScope(communityId), async (tx) => {
    const rows = await tx
      .select()
      .from(parkingSpaces)
      .where(eq(parkingSpaces.communityId, communityId))
      .orderBy(asc(parkingSpaces.code))
      .limit(5000);
    return rows.map(spaceView);
  });
}

/** Creates (no `id`) or updates a parking space; a public space links no vehicle. */
export async function saveParkingSpace(
  db: Executor,
  communityId: string,
  input: ParkingSpaceInput & { id?: string; expectedVersion?: number },
  actor: Actor,
) {
  const vehicleId = input.kind === 'public' ? null : (input.vehicleId ?? null);
  const values = { code: input.code.trim(), kind: input.kind, vehicleId, location: input.location ?? null };
  try {
    return await withScope(db, accessScope(communityId), async (tx) => {
      let row: typeof parkingSpaces.$inferSelect;
      if (input.id) {
        const [cur] = await tx.select().from(parkingSpaces).where(eq(parkingSpaces.id, input.id)).for('update');
        if (!cur || cur.communityId !== communityId) throw notFound('parking space', '车位');
        if (input.expectedVersion !== undefined && cur.version !== input.expectedVersion) {
          throw new AppError('CONFLICT', {
            zh: '车位已被他人修改，请刷新',
            en: 'The space was changed by someone else; reload',
          });
        }
        [row] = await tx
          .update(parkingSpaces)
          .set({ ...values, version: cur.version + 1, updatedBy: actor.subject, updatedAt: new Date() })
          .where(eq(parkingSpaces.id, input.id))
          .returning();
      } else {
        [row] = await tx
          .insert(parkingSpaces)
          .values({ communityId, ...values, updatedBy: actor.subject })
          .returning();
      }
      await audit(tx, actor, communityId, input.id ? 'parking_space.updated' : 'parking_space.created', row.id, values);
      return spaceView(row);
    });
  } catch (err) {
    if (sqlState(err) === '23505') throw codeTaken(values.code, err);
    if (sqlState(err) === '23503') throw notInCommunity(err);
    throw err;
  }
}

export async function deleteParkingSpace(db: Executor, communityId: string, id: string, actor: Actor) {
  return withScope(db, accessScope(communityId), async (tx) => {
    const [row] = await tx
      .delete(parkingSpaces)
      .where(and(eq(parkingSpaces.id, id), eq(parkingSpaces.communityId, communityId)))
      .returning();
    if (!row) throw notFound('parking space', '车位');
    await audit(tx, actor, communityId, 'parking_space.deleted', id, { code: row.code });
    return { id };
  });
}

/** Registers what a gate reports for a person (a face template id, a card number) so passes link to them. */
export async function linkPersonRef(db: Executor, communityId: string, ref: string, personId: string, actor: Actor) {
  try {
    return await withScope(db, accessScope(communityId), async (tx) => {
      await tx
        .insert(personRefs)
        .values({ communityId, ref, personId, createdBy: actor.subject })
        .onConflictDoUpdate({ target: [personRefs.communityId, personRefs.ref], set: { personId } });
      await audit(tx, actor, communityId, 'person_ref.linked', personId, { ref });
      return { ref, personId };
    });
  } catch (err) {
    if (sqlState(err) === '23503') {
      throw new AppError('INVALID_INPUT', {
        zh: '该人员不在本社区',
        en: 'The person is not in this community',
        cause: err,
      });
    }
    throw err;
  }
}
