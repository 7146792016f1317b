'use client';

import { EmptyState } from '@/components/empty-state';

// Installed mini-apps of the resident's community will be listed here once the marketplace lands.
export default function ResidentHome() {
  return <EmptyState />;
}
