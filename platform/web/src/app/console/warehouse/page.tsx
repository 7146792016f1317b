'use client';

import { PageHeading } from '@/components/page-heading';
import { WarehouseConsole } from '@/components/warehouse/warehouse-console';
import { WithCommunity } from '@/components/with-community';

export default function WarehousePage() {
  return (
    <>
      <PageHeading titleKey="nav.warehouse" />
      <WithCommunity>{(community) => <WarehouseConsole community={community} />}</WithCommunity>
    </>
  );
}
