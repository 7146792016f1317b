'use client';

import { RulesView } from '@/components/iot/rules-view';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function ConsoleRulesPage() {
  return (
    <>
      <PageHeading titleKey="nav.rules" />
      <WithCommunity>{(community) => <RulesView community={community} />}</WithCommunity>
    </>
  );
}
