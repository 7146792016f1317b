'use client';

import { AppsAdmin } from '@/components/apps/admin/apps-admin';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function ConsoleAppsPage() {
  return (
    <>
      <PageHeading titleKey="nav.apps" />
      <WithCommunity>{(community) => <AppsAdmin community={community} />}</WithCommunity>
    </>
  );
}
