'use client';

import { PageHeading } from '@/components/page-heading';
import { SituationsConsole } from '@/components/situations/situations-console';
import { WithCommunity } from '@/components/with-community';

export default function SituationsPage() {
  return (
    <>
      <PageHeading titleKey="nav.situations" />
      <WithCommunity>{(community) => <SituationsConsole community={community} />}</WithCommunity>
    </>
  );
}
