'use client';

import { Downstreams } from '@/components/market/downstreams';
import { Upstreams } from '@/components/market/upstreams';
import { PageHeading } from '@/components/page-heading';

export default function MarketUpstreamsPage() {
  return (
    <>
      <PageHeading titleKey="market.nav.upstreams" />
      <Upstreams />
      <Downstreams />
    </>
  );
}
