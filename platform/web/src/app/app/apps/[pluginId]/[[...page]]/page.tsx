'use client';

import { AppRoute } from '@/components/apps/app-route';

export default function ResidentAppPage() {
  return <AppRoute audience="resident" />;
}
