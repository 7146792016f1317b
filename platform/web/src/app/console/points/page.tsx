'use client';

import { PageHeading } from '@/components/page-heading';
import { ShopAdmin } from '@/components/points/shop-admin';
import { WithCommunity } from '@/components/with-community';

export default function ConsolePointsPage() {
  return (
    <>
      <PageHeading titleKey="nav.points" />
      <WithCommunity>{(community) => <ShopAdmin community={community} />}</WithCommunity>
    </>
  );
}
