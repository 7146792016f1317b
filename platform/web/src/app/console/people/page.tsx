'use client';

import { PageHeading } from '@/components/page-heading';
import { PeopleView } from '@/components/people/people-view';
import { WithCommunity } from '@/components/with-community';

export default function PeoplePage() {
  return (
    <>
      <PageHeading titleKey="nav.people" />
      <WithCommunity>{(community) => <PeopleView community={community} />}</WithCommunity>
    </>
  );
}
