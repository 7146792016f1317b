import { randomBytes } from 'node:crypto';
import {
  type ApiScope,
  apiClients,
  apiNonces,
  apiRateWindows,
  apiScopes,
  type DataScope,
  type Executor,
  queryRows,
  withScope,
} from '@shequ/db';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';

export { type ApiScope, apiScopes };

/** Who manages clients: a signed-in community administrator (their user id is the client's accountable creator). */
export interface ClientManager extends Actor {
  userId: string;
}

export interface ApiClientDeps {
  db: Executor;
  crypto: FieldCrypto;
}

export type ApiClientRow = typeof apiClients.$inferSelect;

/** The secret's encryption context binds it to its key id: a cipher cannot be moved to another client. */
export const apiSecretContext = (keyId: string) => `tenancy.api_client_secret.${keyId}`;
export const newApiKeyId = () => `sqk_${randomBytes(10).toString('hex')}`;
export const newApiSecret = () => randomBytes(32).toString('base64url');
/** How long the previous secret stays valid after a rotation, unless the administrator says otherwise. */
export const defaultRotationGraceMinutes = 24 * 60;
export const maxRotationGraceMinutes = 7 * 24 * 60;

const scopeOf = (communityId: string): DataScope => ({ kind: 'communities', ids: [communityId] });

export function apiClientView(r: ApiClientRow, now = Date.now()) {
  return {
    id: r.id,
    name: r.name,
    keyId: r.keyId,
    scopes: r.scopes,
    enabled: r.enabled,
    rateLimit: r.rateLimit,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    rotatedAt: r.rotatedAt?.toISOString() ?? null,
    previousValidUntil:
      r.previousValidUntil && r.previousValidUntil.getTime() > now ? r.previousValidUntil.toISOString() : null,
    disabledAt: r.disabledAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  };
}
export type ApiClientView = ReturnType<typeof apiClientView>;

function checkClientInput(input: { name: string; scopes: string[]; rateLimit?: number }) {
  const fieldErrors: Record<string, string[]> = {};
  const name = input.name.trim();
  if (name.length < 1 || name.length > 64) fieldErrors.name = ['名称为 1–64 个字符 / 1–64 characters'];
  const unknown = input.scopes.filter((s) => !(apiScopes as readonly string[]).includes(s));
  if (unknown.length) fieldErrors.scopes = [`未知的权限范围 / unknown scopes: ${unknown.join(', ')}`];
  if (input.scopes.length === 0) fieldErrors.scopes = ['至少授予一项权限范围 / grant at least one scope'];
  if (
    input.rateLimit !== undefined &&
    !(Number.isInteger(input.rateLimit) && input.rateLimit >= 1 && input.rateLimit <= 6000)
  )
    fieldErrors.rateLimit = ['每分钟 1–6000 次 / 1–6000 requests per minute'];
  if (Object.keys(fieldErrors).length)
    throw new AppError('INVALID_INPUT', {
      zh: '接口客户端信息有误',
      en: 'Please correct the marked fields',
      fieldErrors,
    });
  return { name, scopes: [...new Set(input.scopes)].sort() as ApiScope[] };
}

async function audit(
  tx: Executor,
  actor: Actor,
  action: string,
  row: ApiClientRow,
  detail: Record<string, unknown> = {},
) {
  await appendAudit(tx, {
    subject: actor.subject,
    subjectRole: actor.role,
    action: `openapi.client.${action}`,
    objectType: 'tenancy.api_client',
    objectId: row.id,
    communityId: row.communityId,
    result: 'success',
    sourceIp: actor.ip,
    requestId: actor.requestId,
    detail: { keyId: row.keyId, ...detail },
  });
}

/** Creates a client; the answer carries its secret, the only time it is ever shown. */
export async function createApiClient(
  d: ApiClientDeps,
  scope: DataScope,
  communityId: string,
  input: { name: string; scopes: string[]; rateLimit?: number },
  actor: ClientManager,
) {
  const c = checkClientInput(input);
  const keyId = newApiKeyId();
  const secret = newApiSecret();
  return withScope(d.db, scope, async (tx) => {
    const [row] = await tx
      .insert(apiClients)
      .values({
        communityId,
        name: c.name,
        keyId,
        secretCipher: d.crypto.encrypt(secret, apiSecretContext(keyId)),
        scopes: c.scopes,
        rateLimit: input.rateLimit ?? 120,
        createdBy: actor.userId,
      })
      .returning();
    await audit(tx, actor, 'create', row, { name: row.name, scopes: row.scopes });
    return { ...apiClientView(row), secret };
  });
}

export async function listApiClients(d: ApiClientDeps, scope: DataScope, communityId: string) {
  return withScope(d.db, scope, async (tx) => {
    const rows = await tx
      .select()
      .from(apiClients)
      .where(eq(apiClients.communityId, communityId))
      .orderBy(desc(apiClients.createdAt));
    const now = Date.now();
    return rows.map((r) => apiClientView(r, now));
  });
}

async function loadClient(tx: Executor, communityId: string, id: string) {
  const [row] = await tx
    .select()
    .from(apiClients)
    .where(and(eq(apiClients.communityId, communityId), eq(apiClients.id, id)))
    .for('update');
  if (!row) throw notFound('API client', '接口客户端');
  return row;
}

/** A new secret (shown once); the previous one keeps working for `graceMinutes` so the business system can switch. */
export async function rotateApiClient(
  d: ApiClientDeps,
  scope: DataScope,
  communityId: string,
  id: string,
  graceMinutes: number,
  actor: ClientManager,
) {
  if (!(Number.isInteger(graceMinutes) && graceMinutes >= 0 && graceMinutes <= maxRotationGraceMinutes)) {
    throw new AppError('INVALID_INPUT', {
      zh: `过渡期为 0–${maxRotationGraceMinutes} 分钟`,
      en: `The grace window is 0–${maxRotationGraceMinutes} minutes`,
      fieldErrors: { graceMinutes: [`0–${maxRotationGraceMinutes}`] },
    });
  }
  const secret = newApiSecret();
  return withScope(d.db, scope, async (tx) => {
    const row = await loadClient(tx, communityId, id);
    if (!row.enabled) throw new AppError('CONFLICT', { zh: '接口客户端已停用', en: 'The API client is disabled' });
    const now = new Date();
    const [next] = await tx
      .update(apiClients)
      .set({
        secretCipher: d.crypto.encrypt(secret, apiSecretContext(row.keyId)),
        previousSecretCipher: graceMinutes > 0 ? row.secretCipher : null,
        previousValidUntil: graceMinutes > 0 ? new Date(now.getTime() + graceMinutes * 60_000) : null,
        rotatedAt: now,
      })
      .where(eq(apiClients.id, id))
      .returning();
    await audit(tx, actor, 'rotate', next, { graceMinutes });
    return { ...apiClientView(next), secret };
  });
}

/** Disabling is final for the key: every later request with it is refused (a new client gets a new key). */
export async function disableApiClient(
  d: ApiClientDeps,
  scope: DataScope,
  communityId: string,
  id: string,
  actor: ClientManager,
) {
  return withScope(d.db, scope, async (tx) => {
    const row = await loadClient(tx, communityId, id);
    if (!row.enabled) return apiClientView(row);
    const [next] = await tx
      .update(apiClients)
      .set({ enabled: false, disabledAt: new Date(), previousSecretCipher: null, previousValidUntil: null })
      .where(eq(apiClients.id, id))
      .returning();
    await audit(tx, actor, 'disable', next);
    return apiClientView(next);
  });
}

/** A key as the signature check needs it: the client and the secrets valid now (current first). Unscoped lookup. */
export async function resolveApiKey(d: ApiClientDeps, keyId: string, now = new Date()) {
  const [row] = await d.db.select().from(apiClients).where(eq(apiClients.keyId, keyId));
  if (!row) return null;
  const secrets = [d.crypto.decrypt(row.secretCipher, apiSecretContext(row.keyId))];
  if (row.previousSecretCipher && row.previousValidUntil && row.previousValidUntil > now)
    secrets.push(d.crypto.decrypt(row.previousSecretCipher, apiSecretContext(row.keyId)));
  return { client: row, secrets };
}

/** Each key's requests are counted in fixed windows of a minute, aligned to the clock (the key's limit is per minute). */
export const apiRateWindowMs = 60_000;

let lastPrune = 0;

/** Deletes nonces whose window has passed (every key, every community); answers how many. */
export async function pruneApiNonces(d: Pick<ApiClientDeps, 'db'>, now = new Date()): Promise<number> {
  const gone = await d.db.delete(apiNonces).where(lt(apiNonces.expiresAt, now)).returning({ nonce: apiNonces.nonce });
  return gone.length;
}

/**
 * Deletes request counts of windows that ended more than a window ago (every key, every community); answers how
 * many. The extra window leaves room for API processes whose clocks are a little behind.
 */
export async function pruneApiRateWindows(d: Pick<ApiClientDeps, 'db'>, now = new Date()): Promise<number> {
  const gone = await d.db
    .delete(apiRateWindows)
    .where(lt(apiRateWindows.windowStart, new Date(now.getTime() - 2 * apiRateWindowMs)))
    .returning({ keyId: apiRateWindows.keyId });
  return gone.length;
}

/** What the database says about a signed request: within the key's limit with a fresh nonce, or why not. */
export type ApiAdmission = 'admitted' | 'rate_limited' | 'replayed_nonce';

/**
 * Counts a signed request against its key's limit for the current minute and, when within it, records its nonce
 * until `expiresAt`: one statement, so every API process sharing the database agrees. The count is an upsert on
 * (key, window start) whose row lock serialises concurrent requests for the key, so the total is exact across
 * processes; the nonces' primary key is the replay check. As before, a request over the limit does not spend its
 * nonce and a replay counts towards the limit. Old windows and expired nonces are pruned about once a minute.
 */
export async function admitApiRequest(
  d: Pick<ApiClientDeps, 'db'>,
  client: Pick<ApiClientRow, 'keyId' | 'communityId' | 'rateLimit'>,
  nonce: string,
  expiresAt: Date,
  now = Date.now(),
): Promise<ApiAdmission> {
  const wall = Date.now();
  if (wall - lastPrune > 60_000) {
    lastPrune = wall;
    await pruneApiNonces(d, new Date(wall));
    await pruneApiRateWindows(d, new Date(wall));
  }
  const windowStart = new Date(now - (now % apiRateWindowMs)).toISOString();
  const [row] = await queryRows<{ count: number; claimed: boolean }>(
    d.db,
    sql`with counted as (
          insert into ${apiRateWindows} as w (key_id, window_start, community_id, count)
          values (${client.keyId}, ${windowStart}::timestamptz, ${client.communityId}::uuid, 1)
          on conflict (key_id, window_start) do update set count = w.count + 1
          returning w.count
        ), claimed as (
          insert into ${apiNonces} (key_id, nonce, community_id, expires_at)
          select ${client.keyId}, ${nonce}, ${client.communityId}::uuid, ${expiresAt.toISOString()}::timestamptz
            from counted where counted.count <= ${client.rateLimit}::int
          on conflict do nothing
          returning 1
        )
        select counted.count, exists (select 1 from claimed) as claimed from counted`,
  );
  if (Number(row.count) > client.rateLimit) return 'rate_limited';
  // A nonce whose record has expired but is not yet pruned is stale, not a replay within the window; the timestamp
  // check already refused requests that old.
  return row.claimed ? 'admitted' : 'replayed_nonce';
}

export async function touchApiClient(d: ApiClientDeps, id: string) {
  await d.db.update(apiClients).set({ lastUsedAt: new Date() }).where(eq(apiClients.id, id));
}

export const apiClientScope = scopeOf;
