import { type Executor, regions, roleAssignments, users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError, forbidden } from '../errors.ts';
import { phoneRe } from './auth-service.ts';
import { hashPassword, passwordProblem } from './passwords.ts';
import { hasPermission, isRoleName, type RoleGrant, roles } from './permissions.ts';

export interface NewUser {
  username?: string;
  displayName: string;
  phone?: string;
  password?: string;
  roles: Array<{ role: string; regionCode?: string | null }>;
}

export interface Actor {
  subject: string;
  role?: string | null;
  ip?: string | null;
  requestId?: string | null;
}

const levelOrder = ['community', 'street', 'district', 'city', 'province'];

/** Creates a user with role grants in one transaction; the phone is stored encrypted with a blind index. */
export async function createUser(
  ex: Executor,
  crypto: FieldCrypto,
  input: NewUser,
  actor: Actor,
): Promise<{ id: string }> {
  const fieldErrors: Record<string, string[]> = {};
  if (input.phone && !phoneRe.test(input.phone))
    fieldErrors.phone = ['手机号格式不正确 / not a valid mainland mobile number'];
  if (input.username && !/^[a-z][a-z0-9_.-]{2,31}$/.test(input.username)) {
    fieldErrors.username = ['用户名为 3–32 位小写字母、数字、_.- / 3–32 lowercase letters, digits, _.-'];
  }
  if (!input.username && !input.phone) fieldErrors.username = ['用户名或手机号至少填一项 / give a username or a phone'];
  if (input.password) {
    const p = passwordProblem(input.password);
    if (p) fieldErrors.password = [`${p.zh} / ${p.en}`];
  }
  if (input.roles.length === 0) fieldErrors.roles = ['至少一个角色 / at least one role'];
  for (const [i, r] of input.roles.entries())
    if (!isRoleName(r.role)) fieldErrors[`roles.${i}.role`] = [`未知角色 / unknown role ${r.role}`];
  if (Object.keys(fieldErrors).length) {
    throw new AppError('INVALID_INPUT', {
      zh: '输入有误，请检查标出的字段',
      en: 'Please correct the marked fields',
      fieldErrors,
    });
  }
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return ex.transaction(async (tx) => {
    const grants: Array<{ role: string; regionId: string | null }> = [];
    for (const r of input.roles) {
      const def = roles[r.role as keyof typeof roles];
      if (def.scope === 'platform') {
        grants.push({ role: r.role, regionId: null });
        continue;
      }
      if (!r.regionCode)
        throw new AppError('INVALID_INPUT', {
          zh: `角色 ${def.zh} 需要指定辖区`,
          en: `Role ${r.role} needs a region`,
          fieldErrors: { roles: [`${r.role}: region required`] },
        });
      const [region] = await tx.select().from(regions).where(eq(regions.code, r.regionCode));
      if (!region)
        throw new AppError('NOT_FOUND', { zh: `辖区 ${r.regionCode} 不存在`, en: `Region ${r.regionCode} not found` });
      if (levelOrder.indexOf(region.level) < levelOrder.indexOf(def.scope)) {
        throw new AppError('INVALID_INPUT', {
          zh: `角色 ${def.zh} 的辖区应为${def.scope}级`,
          en: `Role ${r.role} is granted at ${def.scope} level, not ${region.level}`,
        });
      }
      grants.push({ role: r.role, regionId: region.id });
    }
    const phone = input.phone;
    const existing = input.username
      ? await tx.select({ id: users.id }).from(users).where(eq(users.username, input.username))
      : [];
    const existingPhone = phone
      ? await tx
          .select({ id: users.id })
          .from(users)
          .where(eq(users.phoneIndex, crypto.blindIndex('phone', phone)))
      : [];
    if (existing.length || existingPhone.length) {
      throw new AppError('CONFLICT', { zh: '用户名或手机号已被使用', en: 'Username or phone is already in use' });
    }
    const [u] = await tx
      .insert(users)
      .values({
        username: input.username ?? null,
        displayName: input.displayName,
        phoneCipher: phone ? crypto.encrypt(phone, 'users.phone') : null,
        phoneIndex: phone ? crypto.blindIndex('phone', phone) : null,
        passwordHash,
      })
      .returning({ id: users.id });
    await tx.insert(roleAssignments).values(grants.map((g) => ({ ...g, userId: u.id })));
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'identity.user.create',
      objectType: 'user',
      objectId: u.id,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { roles: grants.map((g) => g.role) },
    });
    return u;
  });
}

/**
 * Only platform-wide administrators grant platform-wide or regional (street and above) roles; others may grant
 * community-level roles inside their own jurisdiction, never above it.
 */
export async function assertCanGrant(
  ex: Executor,
  actorGrants: readonly RoleGrant[],
  requested: NewUser['roles'],
): Promise<void> {
  if (actorGrants.some((g) => g.regionId === null && hasPermission([g], 'users.create'))) return;
  for (const r of requested) {
    const def = isRoleName(r.role) ? roles[r.role] : undefined;
    if (def?.scope !== 'community' || !r.regionCode) throw forbidden(`granting ${r.role}`);
    const [region] = await ex.select({ path: regions.path }).from(regions).where(eq(regions.code, r.regionCode));
    if (!region || !hasPermission(actorGrants, 'users.create', region.path))
      throw forbidden(`granting ${r.role} in ${r.regionCode}`);
  }
}
