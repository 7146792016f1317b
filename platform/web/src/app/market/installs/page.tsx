'use client';

import { MarketInstalls } from '@/components/market/installs';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function MarketInstallsPage() {
  return (
    <>
      <PageHeading titleKey="market.nav.installs" />
      <WithCommunity>{(community) => <MarketInstalls community={community} />}</WithCommunity>
    </>
  );
}
