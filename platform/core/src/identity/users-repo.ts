import { type Executor, regions, roleAssignments, users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { isRoleName, type RoleGrant } from './permissions.ts';

export type UserRow = typeof users.$inferSelect;

export async function findUserById(ex: Executor, id: string): Promise<UserRow | undefined> {
  const [u] = await ex.select().from(users).where(eq(users.id, id));
  return u;
}

export async function findUserByUsername(ex: Executor, username: string): Promise<UserRow | undefined> {
  const [u] = await ex.select().from(users).where(eq(users.username, username));
  return u;
}

export async function findUserByPhoneIndex(ex: Executor, phoneIndex: string): Promise<UserRow | undefined> {
  const [u] = await ex.select().from(users).where(eq(users.phoneIndex, phoneIndex));
  return u;
}

export async function grantsOf(ex: Executor, userId: string): Promise<RoleGrant[]> {
  const rows = await ex
    .select({
      role: roleAssignments.role,
      regionId: roleAssignments.regionId,
      regionPath: regions.path,
      regionName: regions.name,
      regionCode: regions.code,
      regionLevel: regions.level,
    })
    .from(roleAssignments)
    .leftJoin(regions, eq(regions.id, roleAssignments.regionId))
    .where(eq(roleAssignments.userId, userId));
  return rows.flatMap((r) => (isRoleName(r.role) ? [{ ...r, role: r.role }] : []));
}
