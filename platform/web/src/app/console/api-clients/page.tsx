'use client';

import { ApiClientsView } from '@/components/openapi/api-clients-view';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function ConsoleApiClientsPage() {
  return (
    <>
      <PageHeading titleKey="nav.apiClients" />
      <WithCommunity>{(community) => <ApiClientsView community={community} />}</WithCommunity>
    </>
  );
}
