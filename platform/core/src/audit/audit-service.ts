import { randomUUID } from 'node:crypto';
import { auditLog, type Executor, queryRows } from '@shequ/db';
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import { type AuditFields, chainHash, genesisHash } from './chain.ts';

export type AuditResult = 'success' | 'failure' | 'denied';

/** What a caller says about an audited act; id, time and hashes are filled in here. */
export interface AuditEntry {
  subject: string;
  subjectRole?: string | null;
  action: string;
  objectType?: string | null;
  objectId?: string | null;
  communityId?: string | null;
  result: AuditResult;
  sourceIp?: string | null;
  requestId?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface VerifyReport {
  ok: boolean;
  checked: number;
  headHash: string;
  firstBroken?: { seq: number; id: string; reason: string };
}

const CHAIN_LOCK = 7331002;

function toFields(e: AuditEntry, at: string): AuditFields {
  return {
    id: randomUUID(),
    at,
    subject: e.subject,
    subjectRole: e.subjectRole ?? null,
    action: e.action,
    objectType: e.objectType ?? null,
    objectId: e.objectId ?? null,
    communityId: e.communityId ?? null,
    result: e.result,
    sourceIp: e.sourceIp ?? null,
    requestId: e.requestId ?? null,
    // Round-trip through JSON so the hash sees what jsonb will hand back.
    detail: e.detail == null ? null : JSON.parse(JSON.stringify(e.detail)),
  };
}

/**
 * Appends to the hash-chained audit log. Call it with the transaction of the act being audited, so the record
 * commits or rolls back with it; the advisory lock serialises chain heads across processes.
 */
export async function appendAudit(ex: Executor, entries: AuditEntry | AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  const run = async (tx: Executor) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`);
    const [head] = await queryRows<{ hash: string }>(tx, sql`select hash from audit.log order by seq desc limit 1`);
    let prev = head?.hash ?? genesisHash;
    const now = Date.now();
    const rows = list.map((e) => {
      const f = toFields(e, new Date(now).toISOString());
      const hash = chainHash(prev, f);
      const row = {
        ...f,
        detail: f.detail as Record<string, unknown> | null,
        prevHash: prev,
        hash,
        at: new Date(f.at),
      };
      prev = hash;
      return row;
    });
    await tx.insert(auditLog).values(rows);
  };
  // A nested transaction is a savepoint: cheap, and the caller's rollback still takes the record with it.
  await ex.transaction(run);
}

export type AuditRecord = typeof auditLog.$inferSelect;

/**
 * Walks the whole chain in order and names the first record whose link or hash does not match. `visit` sees each
 * record after it checked out, so an export reads the log once and never includes anything past a break.
 */
export async function verifyAudit(
  ex: Executor,
  visit?: (r: AuditRecord) => void,
  pageSize = 5000,
): Promise<VerifyReport> {
  let prev = genesisHash;
  let after = 0;
  let checked = 0;
  const broken = (r: AuditRecord, reason: string): VerifyReport => ({
    ok: false,
    checked,
    headHash: prev,
    firstBroken: { seq: r.seq, id: r.id, reason },
  });
  for (;;) {
    const page = await ex
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, after))
      .orderBy(asc(auditLog.seq))
      .limit(pageSize);
    if (page.length === 0) break;
    for (const r of page) {
      if (r.prevHash !== prev)
        return broken(r, 'link to the previous record does not match (a record was removed or inserted)');
      if (chainHash(prev, { ...r, at: r.at.toISOString() }) !== r.hash)
        return broken(r, 'record content does not match its hash (the record was edited)');
      visit?.(r);
      prev = r.hash;
      checked++;
      after = r.seq;
    }
  }
  return { ok: true, checked, headHash: prev };
}

/** Newest audit records first, optionally for some communities or one object; for the console's audit view. */
export async function listAudit(
  ex: Executor,
  q: { communityIds?: readonly string[]; objectId?: string; limit?: number },
) {
  const conds = [];
  if (q.communityIds)
    conds.push(q.communityIds.length ? inArray(auditLog.communityId, [...q.communityIds]) : sql`false`);
  if (q.objectId) conds.push(eq(auditLog.objectId, q.objectId));
  const rows = await ex
    .select()
    .from(auditLog)
    .where(and(...conds))
    .orderBy(desc(auditLog.seq))
    .limit(Math.min(q.limit ?? 50, 200));
  return rows.map((r) => ({
    seq: r.seq,
    at: r.at.toISOString(),
    subject: r.subject,
    subjectRole: r.subjectRole,
    action: r.action,
    objectType: r.objectType,
    objectId: r.objectId,
    result: r.result,
    sourceIp: r.sourceIp,
    detail: r.detail,
  }));
}
