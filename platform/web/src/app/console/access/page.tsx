'use client';

import { AccessConsole } from '@/components/access/access-console';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function AccessPage() {
  return (
    <>
      <PageHeading titleKey="nav.access" />
      <WithCommunity>{(community) => <AccessConsole community={community} />}</WithCommunity>
    </>
  );
}
