'use client';

import { useParams } from 'next/navigation';
import { PageHeading } from '@/components/page-heading';
import { PersonDetail } from '@/components/people/person-detail';
import { WithCommunity } from '@/components/with-community';

export default function PersonPage() {
  const { id } = useParams<{ id: string }>();
  return (
    <>
      <PageHeading titleKey="people.detail" />
      <WithCommunity>{(community) => <PersonDetail community={community} id={id} />}</WithCommunity>
    </>
  );
}
