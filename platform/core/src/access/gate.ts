import { enqueue } from '@shequ/bus';
import {
  type PassDirection,
  type PassMethod,
  parkingFeeRules,
  parkingSessions,
  passHealth,
  passRecords,
  personRefs,
  type SubjectKind,
  type Tx,
  vehicles,
  withScope,
} from '@shequ/db';
import { and, eq, isNull, lte, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { raiseParkingOrder } from '../payment/parking-order-raise.ts';
import { defaultFeeRule, parkingFee } from './fees.ts';
import { type AccessDeps, accessScope, checkVisitorCode, type Refusal, refusalText } from './visitors.ts';

export type GateKind = 'people' | 'vehicle';

/** The IoT engine's device event on the bus (`shequ.iot.<community>.<productKey>.<deviceId>.event`). */
export interface DeviceEvent {
  productKey: string;
  deviceName: string;
  deviceId: string;
  messageId: string;
  event: string;
  value: Record<string, unknown> | null;
  time: number;
}

const peopleModes: PassMethod[] = ['face', 'card', 'qr', 'password', 'remote'];

/** An Alink enum arrives as a number or its string. */
const enumOf = (v: unknown) => (v === undefined || v === null || v === '' ? null : Number(v));

/**
 * The body temperature of a people-gate pass in °C, or null when the gate measured none. The IoT ingest already
 * refuses a value outside the thing model's 30–45 (its `specs`); an event from elsewhere on the bus out of those
 * bounds records its pass without a reading.
 */
export function temperatureOf(v: unknown): number | null {
  const t = typeof v === 'string' && v.trim() ? Number(v) : v;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 30 || t > 45) return null;
  return Math.round(t * 100) / 100;
}

/** A plate as the base warehouse stores it: upper case, no spaces or dots. */
export const normalisePlate = (p: string) => p.replace(/[\s.·-]/g, '').toUpperCase();

/** Opens a gate through the IoT engine's queued commands: whichever gateway holds the device sends the service. */
export async function openGate(
  tx: Tx,
  communityId: string,
  gate: Omit<DeviceEvent, 'event' | 'value' | 'time' | 'messageId'>,
  kind: GateKind,
  why: Record<string, unknown>,
) {
  const service = kind === 'people' ? 'open' : 'raise';
  await enqueue(tx, {
    subject: `shequ.iot.${communityId}.${gate.productKey}.${gate.deviceId}.command`,
    communityId,
    data: {
      deviceId: gate.deviceId,
      productKey: gate.productKey,
      deviceName: gate.deviceName,
      kind: 'service',
      service,
      params: {},
    },
  });
  await appendAudit(tx, {
    subject: 'system:access',
    action: 'access.gate.open',
    objectType: 'iot.device',
    objectId: gate.deviceId,
    communityId,
    result: 'success',
    detail: { productKey: gate.productKey, deviceName: gate.deviceName, service, ...why },
  });
}

async function feeRuleIn(tx: Tx, communityId: string) {
  const [r] = await tx.select().from(parkingFeeRules).where(eq(parkingFeeRules.communityId, communityId));
  return r
    ? { freeMinutes: r.freeMinutes, perHourFen: r.perHourFen, dailyCapFen: r.dailyCapFen }
    : { ...defaultFeeRule };
}

/**
 * Opens the plate's parking session on entry (a second entry without an exit keeps the first one). An entry that
 * arrives after a later exit of the same plate (events out of order) opens nothing: the car has left.
 */
async function enterParking(tx: Tx, communityId: string, plate: string, at: Date, recordId: string) {
  await tx.execute(sql`
    insert into access.parking_sessions (community_id, plate, entered_at, entry_record_id)
    select ${communityId}, ${plate}, ${at.toISOString()}, ${recordId}
    where not exists (
      select 1 from access.pass_records r
      where r.community_id = ${communityId} and r.plate = ${plate} and r.direction = 'out' and r.passed_at > ${at.toISOString()})
    on conflict (community_id, plate) where exited_at is null do nothing`);
}

/** Closes the plate's open session on exit with the fee of the community's rule; a fee waits for payment. */
async function exitParking(tx: Tx, communityId: string, plate: string, at: Date, recordId: string) {
  const [open] = await tx
    .select()
    .from(parkingSessions)
    .where(
      and(
        eq(parkingSessions.communityId, communityId),
        eq(parkingSessions.plate, plate),
        isNull(parkingSessions.exitedAt),
        lte(parkingSessions.enteredAt, at),
      ),
    )
    .for('update');
  if (!open) return null;
  const exitedAt = at;
  const rule = await feeRuleIn(tx, communityId);
  const feeFen = parkingFee(rule, open.enteredAt, exitedAt);
  const [row] = await tx
    .update(parkingSessions)
    .set({ exitedAt, exitRecordId: recordId, feeFen, rule, paymentStatus: feeFen > 0 ? 'pending' : 'not_required' })
    .where(eq(parkingSessions.id, open.id))
    .returning();
  // A fee is paid through the payment service: its order is raised with the session, in the same transaction.
  const order = await raiseParkingOrder(tx, communityId, row);
  await enqueue(tx, {
    subject: 'shequ.access.parking.closed',
    communityId,
    data: {
      id: row.id,
      plate,
      enteredAt: row.enteredAt.toISOString(),
      exitedAt: exitedAt.toISOString(),
      feeFen,
      orderId: order?.id ?? null,
    },
  });
  return row;
}

export interface RecordedPass {
  id: string;
  subjectKind: SubjectKind;
  admitted: boolean;
  refusal: Refusal | null;
  duplicate?: boolean;
}

/**
 * Turns one gate `pass` event into a pass record, in one transaction with what follows from it: a visitor code is
 * checked (and counted) and, when admitted, the gate is told to open; a temporary vehicle opens or closes its
 * parking session. A people gate's `personRef` links a person through `access.person_refs`; a vehicle gate's plate
 * links a vehicle of the base warehouse. A redelivered event (same device and message id) records nothing.
 */
export async function recordGatePass(d: AccessDeps, communityId: string, kind: GateKind, e: DeviceEvent) {
  const v = e.value ?? {};
  const direction: PassDirection = enumOf(v.direction) === 1 ? 'out' : 'in';
  const passedAt = new Date(Number.isFinite(e.time) ? e.time : Date.now());
  return withScope(d.db, accessScope(communityId), async (tx): Promise<RecordedPass> => {
    const [dup] = await tx
      .select({ id: passRecords.id, subjectKind: passRecords.subjectKind, admitted: passRecords.admitted })
      .from(passRecords)
      .where(and(eq(passRecords.deviceId, e.deviceId), eq(passRecords.messageId, e.messageId)));
    if (dup) return { ...dup, refusal: null, duplicate: true };
    let subjectKind: SubjectKind = 'unknown';
    let personId: string | null = null;
    let vehicleId: string | null = null;
    let visitorPassId: string | null = null;
    let plate: string | null = null;
    let method: PassMethod;
    let refusal: Refusal | null = null;
    let temporary = false;
    if (kind === 'people') {
      method = peopleModes[enumOf(v.mode) ?? 0] ?? 'face';
      const ref = typeof v.personRef === 'string' ? v.personRef.trim().slice(0, 64) : '';
      if ((method === 'qr' || method === 'password') && ref) {
        const r = await checkVisitorCode(tx, d.crypto, communityId, ref, direction, passedAt);
        subjectKind = 'visitor';
        visitorPassId = r.pass?.id ?? null;
        refusal = r.refusal;
      } else if (ref) {
        const [p] = await tx
          .select({ personId: personRefs.personId })
          .from(personRefs)
          .where(and(eq(personRefs.communityId, communityId), eq(personRefs.ref, ref)));
        if (p) {
          subjectKind = 'person';
          personId = p.personId;
        }
      }
    } else {
      method = 'plate';
      const raw = (v.plate as { number?: unknown } | undefined)?.number;
      plate = typeof raw === 'string' && raw.trim() ? normalisePlate(raw).slice(0, 16) : null;
      if (plate) {
        // One plate at a time: an entry and an exit delivered together cannot both miss each other.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`access:${communityId}:${plate}`}, 0))`);
        const [car] = await tx
          .select({ id: vehicles.id, kind: vehicles.kind })
          .from(vehicles)
          .where(and(eq(vehicles.communityId, communityId), eq(vehicles.plate, plate)))
          .limit(1);
        if (car) {
          subjectKind = 'vehicle';
          vehicleId = car.id;
        }
        temporary = !car || car.kind === 'temporary';
      }
    }
    const [rec] = await tx
      .insert(passRecords)
      .values({
        communityId,
        deviceId: e.deviceId,
        productKey: e.productKey,
        deviceName: e.deviceName,
        gateKind: kind,
        direction,
        passedAt,
        subjectKind,
        personId,
        vehicleId,
        visitorPassId,
        plate,
        method,
        admitted: refusal === null,
        refusal: refusal ? `${refusal}: ${refusalText[refusal].zh} / ${refusalText[refusal].en}` : null,
        messageId: String(e.messageId).slice(0, 64),
      })
      .returning({ id: passRecords.id });
    // 防疫信息 (DB33 7.2.2.2.1): the gate's temperature reading is kept apart, readable with the health permission only.
    const temperature = kind === 'people' ? temperatureOf(v.temperature) : null;
    if (temperature !== null) {
      await tx.insert(passHealth).values({ passRecordId: rec.id, communityId, passedAt, temperature });
    }
    if (subjectKind === 'visitor') {
      if (refusal) {
        await enqueue(tx, {
          subject: 'shequ.access.pass.refused',
          communityId,
          data: { id: rec.id, deviceId: e.deviceId, visitorPassId, reason: refusal },
        });
      } else await openGate(tx, communityId, e, kind, { passRecordId: rec.id, visitorPassId });
    }
    if (plate && temporary) {
      if (direction === 'in') await enterParking(tx, communityId, plate, passedAt, rec.id);
      else await exitParking(tx, communityId, plate, passedAt, rec.id);
    }
    return { id: rec.id, subjectKind, admitted: refusal === null, refusal };
  });
}
