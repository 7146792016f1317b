'use client';

import { ProductsView } from '@/components/iot/products-view';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function ConsoleDevicesPage() {
  return (
    <>
      <PageHeading titleKey="nav.devices" />
      <WithCommunity>{(community) => <ProductsView community={community} />}</WithCommunity>
    </>
  );
}
