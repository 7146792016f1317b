'use client';

import type { ReactNode } from 'react';
import { EmptyState } from '@/components/empty-state';
import { useT } from '@/i18n/lang-provider';
import { useCommunityCode } from '@/lib/community';

/** Community pages need a community: operators have one; platform-wide accounts are told so. */
export function WithCommunity({ children }: { children: (community: string) => ReactNode }) {
  const t = useT();
  const community = useCommunityCode();
  if (!community) return <EmptyState description={t('console.noCommunity')} />;
  return <>{children(community)}</>;
}
