'use client';

import { PageHeading } from '@/components/page-heading';
import { NamedRecordsView } from '@/components/places/named-records-view';
import { WithCommunity } from '@/components/with-community';

export default function PlacesPage() {
  return (
    <>
      <PageHeading titleKey="nav.places" />
      <WithCommunity>{(community) => <NamedRecordsView community={community} kind="space" />}</WithCommunity>
    </>
  );
}
