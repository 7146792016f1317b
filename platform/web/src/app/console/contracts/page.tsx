'use client';

import { EsignConsole } from '@/components/esign/esign-console';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function ContractsPage() {
  return (
    <>
      <PageHeading titleKey="nav.contracts" />
      <WithCommunity>{(community) => <EsignConsole community={community} />}</WithCommunity>
    </>
  );
}
