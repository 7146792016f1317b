'use client';

import { ImportWizard } from '@/components/import/import-wizard';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function ImportPage() {
  return (
    <>
      <PageHeading titleKey="nav.import" />
      <WithCommunity>{(community) => <ImportWizard community={community} />}</WithCommunity>
    </>
  );
}
