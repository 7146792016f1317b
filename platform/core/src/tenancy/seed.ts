import { compounds, type Executor, regions } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { createUser } from '../identity/user-service.ts';

export const DEMO_PASSWORD = 'Shequ@2026';

const tree = [
  { level: 'province', code: '330000', name: '浙江省', nameEn: 'Zhejiang' },
  { level: 'city', code: '330100', name: '杭州市', nameEn: 'Hangzhou' },
  { level: 'district', code: '330106', name: '西湖区', nameEn: 'Xihu District' },
  { level: 'street', code: '330106001', name: '北山街道', nameEn: 'Beishan Street' },
  { level: 'community', code: 'demo', name: '示范社区', nameEn: 'Demo Community' },
] as const;

export const demoAccounts = [
  { username: 'resident', displayName: '王秀英', phone: '13800000001', role: 'resident', regionCode: 'demo' },
  { username: 'operator', displayName: '李社区', phone: '13800000002', role: 'community_admin', regionCode: 'demo' },
  { username: 'property', displayName: '赵物业', phone: '13800000003', role: 'property_staff', regionCode: 'demo' },
  { username: 'grid', displayName: '钱网格', phone: '13800000004', role: 'grid_worker', regionCode: 'demo' },
  { username: 'gov', displayName: '陈街道', phone: '13800000005', role: 'gov_street', regionCode: '330106001' },
  { username: 'district', displayName: '孙区县', phone: '13800000006', role: 'gov_district', regionCode: '330106' },
  { username: 'provider', displayName: '周服务商', phone: '13800000007', role: 'service_provider', regionCode: null },
  { username: 'developer', displayName: '吴开发', phone: '13800000008', role: 'plugin_developer', regionCode: null },
  { username: 'reviewer', displayName: '郑审核', phone: '13800000009', role: 'market_reviewer', regionCode: null },
  { username: 'admin', displayName: '平台管理员', phone: '13800000010', role: 'platform_admin', regionCode: null },
] as const;

/** Seeds the demo hierarchy, the demo community `demo` with compound 示范小区, and one account per role. Idempotent. */
export async function seedDemo(ex: Executor, crypto: FieldCrypto): Promise<{ created: boolean }> {
  const [existing] = await ex.select({ id: regions.id }).from(regions).where(eq(regions.code, 'demo'));
  if (existing) return { created: false };
  await ex.transaction(async (tx) => {
    let parent: { id: string; path: string } | null = null;
    for (const r of tree) {
      const inserted: Array<{ id: string }> = await tx
        .insert(regions)
        .values({ ...r, parentId: parent?.id ?? null, path: 'pending' })
        .returning({ id: regions.id });
      const row = inserted[0];
      const path: string = `${parent?.path ?? '/'}${row.id}/`;
      await tx.update(regions).set({ path }).where(eq(regions.id, row.id));
      parent = { id: row.id, path };
    }
    await tx.insert(compounds).values([
      { communityId: parent!.id, code: 'sfxq', name: '示范小区', nameEn: 'Demo Compound', buildingCount: 12 },
      { communityId: parent!.id, code: 'hyy', name: '和园', nameEn: 'He Yuan', buildingCount: 6 },
    ]);
    for (const a of demoAccounts) {
      await createUser(
        tx,
        crypto,
        {
          username: a.username,
          displayName: a.displayName,
          phone: a.phone,
          password: DEMO_PASSWORD,
          roles: [{ role: a.role, regionCode: a.regionCode }],
        },
        { subject: 'system:seed' },
      );
    }
  });
  return { created: true };
}
