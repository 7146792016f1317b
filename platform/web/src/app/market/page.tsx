'use client';

import { EmptyState } from '@/components/empty-state';

export default function MarketHome() {
  return <EmptyState />;
}
