import { enqueue } from '@shequ/bus';
import { changes, type Executor, type people } from '@shequ/db';
import { appendAudit } from '../audit/audit-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { maskIdNumber, maskPhone } from '../crypto/mask.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import type { Checked, PersonRecord } from './person-record.ts';

export type PersonRow = typeof people.$inferSelect;

/** The stored columns of a person: L3+ fields encrypted, blind-indexed and masked once, here. */
export function personColumns(crypto: FieldCrypto, p: PersonRecord) {
  return {
    name: p.name,
    idType: p.idType,
    idNumberCipher: crypto.encrypt(p.idNumber, 'people.id_number'),
    idNumberIndex: crypto.blindIndex('id_number', p.idNumber),
    idNumberMasked: maskIdNumber(p.idNumber),
    gender: p.gender,
    birthDate: p.birthDate,
    phoneCipher: p.phone ? crypto.encrypt(p.phone, 'people.phone') : null,
    phoneIndex: p.phone ? crypto.blindIndex('phone', p.phone) : null,
    phoneMasked: p.phone ? maskPhone(p.phone) : null,
    category: p.category,
    occupation: p.occupation ?? null,
    partyMember: p.partyMember ?? false,
    healthStatusCipher: p.healthStatus ? crypto.encrypt(p.healthStatus, 'people.health_status') : null,
    keyCareTags: p.keyCareTags ?? [],
    tags: p.tags ?? [],
  };
}

/** Plain values of a stored person, for comparison and reveal. */
export function personPlain(crypto: FieldCrypto, r: PersonRow): PersonRecord {
  return {
    name: r.name,
    idType: r.idType as PersonRecord['idType'],
    idNumber: crypto.decrypt(r.idNumberCipher, 'people.id_number'),
    phone: r.phoneCipher ? crypto.decrypt(r.phoneCipher, 'people.phone') : undefined,
    category: r.category,
    occupation: r.occupation ?? undefined,
    partyMember: r.partyMember,
    healthStatus: r.healthStatusCipher ? crypto.decrypt(r.healthStatusCipher, 'people.health_status') : undefined,
    keyCareTags: r.keyCareTags,
    tags: r.tags,
    gender: r.gender as PersonRecord['gender'],
    birthDate: r.birthDate,
  };
}

/** Fields whose values differ; the change history names fields, never L3+ values. */
export function changedFields(before: PersonRecord, after: PersonRecord): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof PersonRecord>;
  return [...keys].filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null)).sort();
}

/** A unique constraint refused the write (PostgreSQL 23505, directly or as the driver error's cause). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}

/** Optimistic concurrency for record edits: the caller names the version it edited; a newer one is a CONFLICT. */
export function assertVersion(current: number, expected: number): void {
  if (current !== expected) {
    throw new AppError('CONFLICT', {
      zh: '该记录已被他人修改，请刷新后重试',
      en: 'Someone else changed this record; reload and try again',
    });
  }
}

/**
 * A console edit of a record's editable fields (houses, vehicles; `x-editable` in the record's schema): the patch may
 * name only those fields, the record with the patch applied must pass the record's own check (as an import row
 * would), and the result names the editable fields whose values changed. Empty strings and nulls clear a field.
 */
export function checkFieldPatch<T extends object>(o: {
  editable: readonly string[];
  /** The record's identity fields (checked with it, never changed) and current editable values. */
  identity: Record<string, unknown>;
  before: Record<string, unknown>;
  patch: Record<string, unknown>;
  check: (merged: Record<string, unknown>) => Checked<T>;
  /** What may change, for the message when the patch names anything else. */
  only: { zh: string; en: string };
  /** The message over the field errors when the check fails. */
  invalid: { zh: string; en: string };
}): { after: T; fields: string[] } {
  const unknown = Object.keys(o.patch).filter((k) => !o.editable.includes(k));
  if (unknown.length) {
    throw new AppError('INVALID_INPUT', {
      ...o.only,
      fieldErrors: Object.fromEntries(unknown.map((k) => [k, ['不可修改 / cannot change']])),
    });
  }
  const merged = { ...o.before, ...o.patch };
  const checked = o.check({
    ...o.identity,
    ...Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== null && v !== undefined && v !== '')),
  });
  if (!checked.ok) throw new AppError('INVALID_INPUT', { ...o.invalid, fieldErrors: checked.fieldErrors });
  const after = checked.value as Record<string, unknown>;
  const fields = o.editable.filter((k) => String(o.before[k] ?? '') !== String(after[k] ?? ''));
  return { after: checked.value, fields };
}

export async function recordChange(
  ex: Executor,
  c: {
    communityId: string;
    entity: string;
    entityId: string;
    version: number;
    action: string;
    actor: string;
    fields: string[];
  },
) {
  await ex.insert(changes).values({
    communityId: c.communityId,
    entity: c.entity,
    entityId: c.entityId,
    version: c.version,
    action: c.action,
    actor: c.actor,
    diff: { fields: c.fields },
  });
}

/**
 * The tail every base-data record edit shares (people, houses, vehicles, spaces, facilities): the change-history row
 * naming the fields, the audit entry `base.<entity>.<action>` and the bus event `shequ.base.<entity>_<created|updated>`,
 * in the edit's transaction.
 */
export async function recordEdit(
  tx: Executor,
  actor: Actor,
  c: {
    action?: 'create' | 'update';
    communityId: string;
    entity: 'person' | 'house' | 'vehicle' | 'space' | 'facility';
    id: string;
    version: number;
    fields: string[];
    detail?: Record<string, unknown>;
  },
) {
  await recordChange(tx, {
    communityId: c.communityId,
    entity: c.entity,
    entityId: c.id,
    version: c.version,
    action: c.action ?? 'update',
    actor: actor.subject,
    fields: c.fields,
  });
  await appendAudit(tx, {
    subject: actor.subject,
    subjectRole: actor.role,
    action: `base.${c.entity}.${c.action ?? 'update'}`,
    objectType: c.entity,
    objectId: c.id,
    communityId: c.communityId,
    result: 'success',
    sourceIp: actor.ip,
    requestId: actor.requestId,
    detail: { ...c.detail, fields: c.fields },
  });
  await enqueue(tx, {
    subject: `shequ.base.${c.entity}_${c.action === 'create' ? 'created' : 'updated'}`,
    communityId: c.communityId,
    data: { id: c.id, version: c.version, fields: c.fields },
  });
}
