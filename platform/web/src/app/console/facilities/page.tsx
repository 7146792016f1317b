'use client';

import { PageHeading } from '@/components/page-heading';
import { NamedRecordsView } from '@/components/places/named-records-view';
import { WithCommunity } from '@/components/with-community';

export default function FacilitiesPage() {
  return (
    <>
      <PageHeading titleKey="nav.facilities" />
      <WithCommunity>{(community) => <NamedRecordsView community={community} kind="facility" />}</WithCommunity>
    </>
  );
}
