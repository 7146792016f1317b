'use client';

import { Catalog } from '@/components/market/catalog';
import { PageHeading } from '@/components/page-heading';

export default function MarketHome() {
  return (
    <>
      <PageHeading titleKey="market.nav.catalog" />
      <Catalog />
    </>
  );
}
