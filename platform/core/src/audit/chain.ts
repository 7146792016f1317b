import { createHash } from 'node:crypto';

export const genesisHash = '0'.repeat(64);

/** One audit record as hashed: everything but seq and the hashes. */
export interface AuditFields {
  id: string;
  at: string;
  subject: string;
  subjectRole: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  communityId: string | null;
  result: string;
  sourceIp: string | null;
  requestId: string | null;
  detail: unknown;
}

/** JSON with sorted object keys, so what jsonb hands back hashes the same as what was written. */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SM3 over the previous hash and the canonical record: editing, inserting or removing any row breaks the chain after it. */
export function chainHash(prevHash: string, r: AuditFields): string {
  const body = canonicalJson([
    r.id,
    new Date(r.at).toISOString(),
    r.subject,
    r.subjectRole,
    r.action,
    r.objectType,
    r.objectId,
    r.communityId,
    r.result,
    r.sourceIp,
    r.requestId,
    r.detail ?? null,
  ]);
  return createHash('sm3').update(prevHash).update('\n').update(body).digest('hex');
}
