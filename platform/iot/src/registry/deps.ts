import type { Actor, FieldCrypto } from '@shequ/core';
import type { Db } from '@shequ/db';

/** What registry services need from the platform. */
export interface IotDeps {
  db: Db;
  crypto: FieldCrypto;
}

export type { Actor };

/** Audit fields of an actor, as appendAudit takes them. */
export const auditActor = (a: Actor) => ({
  subject: a.subject,
  subjectRole: a.role ?? null,
  sourceIp: a.ip ?? null,
  requestId: a.requestId ?? null,
});
