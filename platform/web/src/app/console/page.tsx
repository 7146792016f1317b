'use client';

import { EmptyState } from '@/components/empty-state';

export default function ConsoleHome() {
  return <EmptyState />;
}
