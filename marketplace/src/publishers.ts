import { AppError, appendAudit } from '@shequ/core';
import { marketPublisherKeys, marketPublishers } from '@shequ/db';
import { keyFingerprint, publicKeyText } from '@shequ/runtime';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { conflict, invalid, type Market, type MarketActor, notFound } from './context.ts';

const slugRe = /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/;

const audit = (m: Market, actor: MarketActor, action: string, objectId: string, detail: Record<string, unknown>) =>
  appendAudit(m.database.db, {
    subject: actor.subject,
    subjectRole: actor.role ?? null,
    action: `market.${action}`,
    objectType: 'publisher',
    objectId,
    result: 'success',
    sourceIp: actor.ip ?? null,
    requestId: actor.requestId ?? null,
    detail,
  });

/** Registers a publisher; the caller becomes its first member. App ids of the publisher start with its slug. */
export async function createPublisher(
  m: Market,
  actor: MarketActor,
  input: { slug: string; name: { zh: string; en: string } },
) {
  if (!slugRe.test(input.slug) || input.slug.length > 48)
    throw invalid(
      '发布者标识只能包含小写字母、数字、点和连字符',
      'The publisher slug is lowercase letters, digits, dots and dashes',
    );
  if (!input.name.zh.trim() || !input.name.en.trim())
    throw invalid('请填写发布者的中英文名称', 'Give the publisher a name in Chinese and English');
  const [row] = await m.database.db
    .insert(marketPublishers)
    .values({ slug: input.slug, name: input.name, members: [actor.subject] })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict(`发布者 ${input.slug} 已存在`, `The publisher ${input.slug} already exists`);
  await audit(m, actor, 'publisher.created', row.id, { slug: row.slug });
  return row;
}

export async function publisherBySlug(m: Market, slug: string) {
  const [row] = await m.database.db.select().from(marketPublishers).where(eq(marketPublishers.slug, slug));
  if (!row) throw notFound(`发布者 ${slug} 不存在`, `No publisher ${slug}`);
  return row;
}

/** The caller must be a member of the publisher (or an administrator). */
export function assertMember(pub: { slug: string; members: string[] }, actor: MarketActor) {
  if (actor.admin || pub.members.includes(actor.subject)) return;
  throw new AppError('FORBIDDEN', {
    zh: `您不是发布者 ${pub.slug} 的成员`,
    en: `You are not a member of the publisher ${pub.slug}`,
  });
}

export async function addMember(m: Market, actor: MarketActor, slug: string, userId: string) {
  const pub = await publisherBySlug(m, slug);
  assertMember(pub, actor);
  if (pub.members.includes(userId)) return pub;
  const [row] = await m.database.db
    .update(marketPublishers)
    .set({ members: sql`${marketPublishers.members} || ${JSON.stringify([userId])}::jsonb` })
    .where(eq(marketPublishers.id, pub.id))
    .returning();
  await audit(m, actor, 'publisher.member-added', pub.id, { userId });
  return row;
}

/** Registers a signing key (rotation: add the new key, then revoke the old one). Returns its key id. */
export async function addPublisherKey(m: Market, actor: MarketActor, slug: string, publicKey: string, keyId?: string) {
  const pub = await publisherBySlug(m, slug);
  assertMember(pub, actor);
  let text: string;
  try {
    text = publicKeyText(publicKey);
  } catch {
    throw invalid(
      '公钥格式无效（需要 ed25519 的 PEM 或 base64 SPKI）',
      'The public key is not an ed25519 PEM or base64 SPKI key',
    );
  }
  const id = keyId ?? keyFingerprint(text);
  if (!/^[\w.-]{1,64}$/.test(id)) throw invalid('密钥标识格式不正确', 'The key id is 1–64 letters, digits, _ . or -');
  const [row] = await m.database.db
    .insert(marketPublisherKeys)
    .values({ publisherId: pub.id, keyId: id, publicKey: text })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict(`密钥 ${id} 已登记`, `The key ${id} (or this public key) is already registered`);
  await audit(m, actor, 'publisher.key-added', pub.id, { keyId: id });
  return { keyId: id, publicKey: text };
}

/** Revokes a key: packages signed with it are no longer accepted for submission. */
export async function revokePublisherKey(m: Market, actor: MarketActor, slug: string, keyId: string, reason: string) {
  const pub = await publisherBySlug(m, slug);
  assertMember(pub, actor);
  const [row] = await m.database.db
    .update(marketPublisherKeys)
    .set({ revokedAt: new Date(), revokedReason: reason.slice(0, 200) || 'revoked' })
    .where(
      and(
        eq(marketPublisherKeys.publisherId, pub.id),
        eq(marketPublisherKeys.keyId, keyId),
        isNull(marketPublisherKeys.revokedAt),
      ),
    )
    .returning();
  if (!row) throw notFound(`没有可吊销的密钥 ${keyId}`, `No active key ${keyId} of ${slug}`);
  await audit(m, actor, 'publisher.key-revoked', pub.id, { keyId, reason });
  return { keyId, revokedAt: row.revokedAt?.toISOString() };
}

/** Publishers the caller belongs to (all of them for administrators), with their keys. */
export async function listPublishers(m: Market, actor: MarketActor) {
  const pubs = await m.database.db.select().from(marketPublishers).orderBy(asc(marketPublishers.slug));
  const mine = pubs.filter((p) => actor.admin || p.members.includes(actor.subject));
  const keys = await m.database.db.select().from(marketPublisherKeys).orderBy(asc(marketPublisherKeys.createdAt));
  return mine.map((p) => ({
    id: p.id,
    slug: p.slug,
    name: p.name,
    members: p.members,
    keys: keys
      .filter((k) => k.publisherId === p.id)
      .map((k) => ({
        keyId: k.keyId,
        createdAt: k.createdAt.toISOString(),
        revokedAt: k.revokedAt?.toISOString() ?? null,
        revokedReason: k.revokedReason,
      })),
  }));
}
