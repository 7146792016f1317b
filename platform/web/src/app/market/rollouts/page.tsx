'use client';

import { Rollouts } from '@/components/market/rollouts';
import { PageHeading } from '@/components/page-heading';

export default function MarketRolloutsPage() {
  return (
    <>
      <PageHeading titleKey="market.nav.rollouts" />
      <Rollouts />
    </>
  );
}
