import matrix from './permissions.json' with { type: 'json' };

export type RoleName = keyof typeof matrix.roles;
export type Shell = 'app' | 'console' | 'gov' | 'designer' | 'market';
export type RegionScopeLevel = 'community' | 'street' | 'district' | 'city' | 'platform';

export interface RoleDefinition {
  zh: string;
  en: string;
  scope: RegionScopeLevel;
  mfa: boolean;
  shells: Shell[];
  permissions: string[];
}

export const roles = matrix.roles as Record<RoleName, RoleDefinition>;
export const roleNames = Object.keys(roles) as RoleName[];

export function isRoleName(v: string): v is RoleName {
  return Object.hasOwn(roles, v);
}

/** A role held by a user over a region (null region: platform-wide). */
export interface RoleGrant {
  role: RoleName;
  regionId: string | null;
  regionPath: string | null;
  regionName: string | null;
  regionCode: string | null;
  regionLevel: string | null;
}

export function shellsFor(grants: readonly RoleGrant[]): Shell[] {
  const set = new Set<Shell>();
  for (const g of grants) for (const s of roles[g.role].shells) set.add(s);
  return (['app', 'console', 'gov', 'designer', 'market'] as const).filter((s) => set.has(s));
}

/**
 * Whether any grant gives `permission`; with `communityPath`, the grant's region must contain that community
 * (region paths are materialised, so containment is a prefix test). Platform-wide grants contain everything.
 */
export function hasPermission(grants: readonly RoleGrant[], permission: string, communityPath?: string): boolean {
  return grants.some((g) => {
    if (!roles[g.role].permissions.includes(permission)) return false;
    if (communityPath === undefined || g.regionPath === null) return true;
    return communityPath.startsWith(g.regionPath);
  });
}
