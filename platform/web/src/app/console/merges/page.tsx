'use client';

import { MergesView } from '@/components/merges/merges-view';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function MergesPage() {
  return (
    <>
      <PageHeading titleKey="nav.merges" />
      <WithCommunity>{(community) => <MergesView community={community} />}</WithCommunity>
    </>
  );
}
