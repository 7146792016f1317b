'use client';

import { AppRoute } from '@/components/apps/app-route';

export default function ConsoleAppPage() {
  return <AppRoute audience="operator" />;
}
