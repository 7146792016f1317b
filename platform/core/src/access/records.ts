import { enqueue } from '@shequ/bus';
import {
  devices,
  type Executor,
  orders,
  type PassDirection,
  parkingSessions,
  passHealth,
  passRecords,
  type SubjectKind,
  vehicles,
  visitorPasses,
  withScope,
} from '@shequ/db';
import { and, desc, eq, gte, inArray, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { openGate } from './gate.ts';
import { accessScope } from './visitors.ts';

export interface PassFilter {
  direction?: PassDirection;
  subjectKind?: SubjectKind;
  deviceId?: string;
  plate?: string;
  admitted?: boolean;
  from?: Date;
  to?: Date;
}

/** A body temperature at or above this (°C) is a fever (发热), the usual screening threshold at a gate. */
export const feverThreshold = 37.3;
export const isFever = (t: number) => t >= feverThreshold;

/**
 * Who may see the gates' health readings. Individual temperatures are L3 health data: only readers holding the
 * health permission (`iot.warehouse.health`, the community admin) get them; for everyone else the list carries no
 * health field at all and says `healthWithheld: true` (the warehouse's health aggregates answer `withheld` alike).
 */
export interface PassReadOptions {
  health?: boolean;
}

/** Keyset cursor of the pass list: the last row's time and id. */
const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
function decodeCursor(c: string) {
  const [at, id] = Buffer.from(c, 'base64url').toString().split('|');
  const t = new Date(at ?? '');
  if (Number.isNaN(t.getTime()) || !/^[0-9a-f-]{36}$/.test(id ?? '')) {
    throw new AppError('INVALID_INPUT', { zh: '翻页游标无效', en: 'The page cursor is not valid' });
  }
  return { at: t, id };
}

/** Pass records newest first, paged by keyset (time, id), with the visitor's name and the vehicle's plate. */
export async function listPassRecords(
  db: Executor,
  communityId: string,
  f: PassFilter = {},
  page: { cursor?: string; limit?: number } = {},
  opts: PassReadOptions = {},
) {
  const health = opts.health === true;
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 200);
  const conds: SQL[] = [eq(passRecords.communityId, communityId)];
  if (f.direction) conds.push(eq(passRecords.direction, f.direction));
  if (f.subjectKind) conds.push(eq(passRecords.subjectKind, f.subjectKind));
  if (f.deviceId) conds.push(eq(passRecords.deviceId, f.deviceId));
  if (f.plate) conds.push(eq(passRecords.plate, f.plate));
  if (f.admitted !== undefined) conds.push(eq(passRecords.admitted, f.admitted));
  if (f.from) conds.push(gte(passRecords.passedAt, f.from));
  if (f.to) conds.push(lt(passRecords.passedAt, f.to));
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    conds.push(
      or(lt(passRecords.passedAt, c.at), and(eq(passRecords.passedAt, c.at), lt(passRecords.id, c.id))) as SQL,
    );
  }
  return withScope(db, accessScope(communityId), async (tx) => {
    const rows = await tx
      .select({ r: passRecords, visitorName: visitorPasses.visitorName, gateLocation: devices.location })
      .from(passRecords)
      .leftJoin(visitorPasses, eq(visitorPasses.id, passRecords.visitorPassId))
      .leftJoin(devices, eq(devices.id, passRecords.deviceId))
      .where(and(...conds))
      .orderBy(desc(passRecords.passedAt), desc(passRecords.id))
      .limit(limit + 1);
    // The readings are fetched by id, and only for a reader with the health permission: without it this table is
    // never read.
    const readings = new Map<string, number>();
    const ids = rows.slice(0, limit).map((x) => x.r.id);
    if (health && ids.length) {
      const hs = await tx
        .select({ id: passHealth.passRecordId, t: passHealth.temperature })
        .from(passHealth)
        .where(and(eq(passHealth.communityId, communityId), inArray(passHealth.passRecordId, ids)));
      for (const x of hs) readings.set(x.id, Number(x.t));
    }
    const records = rows.slice(0, limit).map(({ r, visitorName, gateLocation }) => ({
      id: r.id,
      deviceId: r.deviceId,
      deviceName: r.deviceName,
      /** Where the gate stands (the IoT device's location), DB33 7.2.2.2.1–2 设施设备位置. */
      gateLocation,
      productKey: r.productKey,
      gateKind: r.gateKind,
      direction: r.direction,
      passedAt: r.passedAt.toISOString(),
      subjectKind: r.subjectKind,
      personId: r.personId,
      vehicleId: r.vehicleId,
      visitorPassId: r.visitorPassId,
      visitorName,
      plate: r.plate,
      method: r.method,
      admitted: r.admitted,
      refusal: r.refusal,
    }));
    const last = rows[limit - 1];
    const nextCursor = rows.length > limit && last ? encodeCursor(last.r.passedAt, last.r.id) : null;
    if (!health) return { items: records, nextCursor, healthWithheld: true as const };
    const items = records.map((r) => {
      const temperature = readings.get(r.id) ?? null;
      /** 体温 (°C; null: the gate measured none) and 发热 (≥ 37.3 °C; null without a reading). */
      return { ...r, temperature, fever: temperature === null ? null : isFever(temperature) };
    });
    return { items, nextCursor, healthWithheld: false as const };
  });
}

type SessionRow = typeof parkingSessions.$inferSelect;
type SessionOrder = { id: string; status: string; userId: string | null } | null;
export const parkingSessionView = (s: SessionRow, order: SessionOrder = null) => ({
  id: s.id,
  plate: s.plate,
  enteredAt: s.enteredAt.toISOString(),
  exitedAt: s.exitedAt?.toISOString() ?? null,
  /** 停车时长 (DB33 7.2.3.4.3): whole minutes from entry to exit; null while the vehicle is still inside. */
  parkingMinutes: s.exitedAt ? Math.floor((s.exitedAt.getTime() - s.enteredAt.getTime()) / 60_000) : null,
  feeFen: s.feeFen,
  rule: s.rule,
  paymentStatus: s.paymentStatus,
  /** The payment order of the fee (raised at exit), and whether a resident pays it in 我的订单. */
  order: order && { id: order.id, status: order.status, residentPays: order.userId !== null },
});

/** Parking sessions of temporary vehicles, newest first: open ones (`open: true`) or from a time on. */
export async function listParkingSessions(db: Executor, communityId: string, f: { open?: boolean; from?: Date } = {}) {
  return withScope(db, accessScope(communityId), async (tx) => {
    const conds: SQL[] = [eq(parkingSessions.communityId, communityId)];
    if (f.open) conds.push(isNull(parkingSessions.exitedAt));
    if (f.from) conds.push(gte(parkingSessions.enteredAt, f.from));
    const rows = await tx
      .select({ s: parkingSessions, orderId: orders.id, orderStatus: orders.status, orderUser: orders.userId })
      .from(parkingSessions)
      .leftJoin(
        orders,
        and(
          eq(orders.communityId, parkingSessions.communityId),
          eq(orders.sourceType, 'parking'),
          eq(orders.sourceId, sql`${parkingSessions.id}::text`),
          ne(orders.status, 'cancelled'),
        ),
      )
      .where(and(...conds))
      .orderBy(desc(parkingSessions.enteredAt))
      .limit(500);
    return rows.map((r) =>
      parkingSessionView(
        r.s,
        r.orderId ? { id: r.orderId, status: r.orderStatus as string, userId: r.orderUser } : null,
      ),
    );
  });
}

/**
 * The payment service's seam (like booking's `settleBookingPayment`): a pending parking fee becomes paid or
 * waived. When it is paid within ten minutes of the exit, the exit gate is told to raise the barrier.
 */
export async function settleParkingPayment(
  db: Executor,
  communityId: string,
  id: string,
  to: 'paid' | 'waived',
  actor: Actor,
) {
  return withScope(db, accessScope(communityId), async (tx) => {
    const [s] = await tx.select().from(parkingSessions).where(eq(parkingSessions.id, id)).for('update');
    if (!s || s.communityId !== communityId) throw notFound('parking session', '停车记录');
    if (s.paymentStatus !== 'pending') {
      throw new AppError('CONFLICT', {
        zh: `停车费状态为“${s.paymentStatus}”，不能改为“${to}”`,
        en: `The parking fee is ${s.paymentStatus}; it cannot become ${to}`,
      });
    }
    const [row] = await tx
      .update(parkingSessions)
      .set({ paymentStatus: to })
      .where(eq(parkingSessions.id, id))
      .returning();
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: `access.parking.payment_${to}`,
      objectType: 'access.parking_session',
      objectId: id,
      communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { plate: s.plate, feeFen: s.feeFen },
    });
    await enqueue(tx, {
      subject: `shequ.access.parking.${to}`,
      communityId,
      data: { id, plate: s.plate, feeFen: s.feeFen },
    });
    if (s.exitRecordId && s.exitedAt && Date.now() - s.exitedAt.getTime() < 10 * 60_000) {
      const [gate] = await tx.select().from(passRecords).where(eq(passRecords.id, s.exitRecordId));
      if (gate) await openGate(tx, communityId, gate, 'vehicle', { parkingSessionId: id });
    }
    return parkingSessionView(row);
  });
}

/** Plates of the base warehouse, for linking a parking space (a small helper for the console's picker). */
export async function vehicleByPlate(db: Executor, communityId: string, plate: string) {
  return withScope(db, accessScope(communityId), async (tx) => {
    const [v] = await tx
      .select({ id: vehicles.id, plate: vehicles.plate, kind: vehicles.kind })
      .from(vehicles)
      .where(and(eq(vehicles.communityId, communityId), eq(vehicles.plate, plate)))
      .limit(1);
    return v ?? null;
  });
}
