'use client';

import { useShell } from '@/components/shell/shell-context';

/** The community the signed-in operator works in: the code of their community-level role, if any. */
export function useCommunityCode(): string | null {
  const { me } = useShell();
  return me.roles.find((r) => r.regionLevel === 'community' && r.regionCode)?.regionCode ?? null;
}
